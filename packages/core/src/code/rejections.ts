import { types } from "node:util";

/**
 * Keeps a promise that sandboxed code rejected without a handler from ending the process.
 *
 * Node treats an unhandled rejection as a fatal error by default, and it does so for promises made
 * in a `vm` context too: one `Promise.reject()` in suggested code would exit the host. The first
 * sandbox installs one `unhandledRejection` listener that drops rejections of sandbox promises
 * (recognised by their realm's `Promise.prototype`, which sandboxed code cannot swap: the runtime
 * refuses to change a promise's prototype) and, for any other promise, does what Node would have
 * done without a listener: throw the reason (mode `throw`/`strict`, the default), warn (`warn`,
 * `warn-with-error-code`) or nothing (`none`).
 */

const sandboxPromiseProtos = new WeakSet<object>();
let installed = false;

/** Registers a sandbox realm's `Promise.prototype` and installs the listener once. */
export function watchSandboxRejections(promiseProto: object): void {
  sandboxPromiseProtos.add(promiseProto);
  if (installed) return;
  installed = true;
  process.on("unhandledRejection", onUnhandledRejection);
}

function isSandboxPromise(promise: unknown): boolean {
  if (typeof promise !== "object" || promise === null) return false;
  let proto = Object.getPrototypeOf(promise) as object | null;
  for (let depth = 0; proto !== null && depth < 8; depth++) {
    if (types.isProxy(proto)) return true; // only sandboxed code builds promise chains this odd
    if (sandboxPromiseProtos.has(proto)) return true;
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  return false;
}

function rejectionMode(): string {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)];
  for (const flag of flags) {
    const m = /^--unhandled-rejections=(.+)$/.exec(flag);
    if (m) return m[1]!;
  }
  return "throw";
}

function onUnhandledRejection(reason: unknown, promise: Promise<unknown>): void {
  if (isSandboxPromise(promise)) return;
  if (process.listenerCount("unhandledRejection") > 1) return; // someone else handles it
  const mode = rejectionMode();
  if (mode === "none") return;
  if (mode === "warn" || mode === "warn-with-error-code") {
    process.emitWarning(
      `Unhandled promise rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`,
      "UnhandledPromiseRejectionWarning",
    );
    if (mode === "warn-with-error-code") process.exitCode = 1;
    return;
  }
  if (reason instanceof Error) throw reason;
  const error = new Error(`a promise was rejected and nothing handled it (reason: ${String(reason)})`);
  (error as { code?: string }).code = "ERR_UNHANDLED_REJECTION";
  throw error;
}
