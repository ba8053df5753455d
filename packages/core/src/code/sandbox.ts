import { Buffer } from "node:buffer";
import { types } from "node:util";
import v8 from "node:v8";
import vm from "node:vm";
import { Membrane } from "./realm.js";
import { REALM_RUNTIME_SOURCE } from "./realm-runtime.js";
import { watchSandboxRejections } from "./rejections.js";

/**
 * A `realm` sandbox: one V8 context (`vm.createContext`, ~0.6 ms) holding a trusted runtime (see
 * `realm-runtime.ts`) and the functions compiled into it.
 *
 * Its global object has nothing but the ECMAScript built-ins and a `console` that formats inside
 * the realm. Code generation from strings is off, so `eval`, `Function("…")` and
 * `(() => {}).constructor("return process")` throw `EvalError`. `SharedArrayBuffer`, `Atomics` and
 * `WebAssembly` are removed. There is no `require`, `process`, `import()` or host `globalThis`.
 * Host objects reach the code only through the membrane (`realm.ts`): plain data is copied in,
 * functions become realm-made wrappers, other objects sit behind proxies that hide their prototype.
 */
export interface Sandbox {
  /** The V8 context. */
  readonly context: vm.Context;
  /** Runs a script in the context and returns its completion value. */
  run(script: vm.Script): unknown;
  /** The trusted runtime inside the context. */
  readonly runtime: SandboxRuntime;
  /** Converts host values for the sandbox and back; records run-stopping errors of helpers. */
  readonly membrane: Membrane;
  /**
   * A sandbox value as host data, converted inside the realm (see `SandboxRuntime.exportValue`).
   *
   * @throws SandboxDataError
   */
  exportValue(value: unknown, where: string, trusted?: boolean): unknown;
  /** Whether an error is the one the guard throws when time is up. */
  isTimeout(error: unknown): boolean;
  /** Whether an error is the one the guard throws when the heap is nearly full. */
  isMemory(error: unknown): boolean;
  /**
   * Whether a thrown value was made outside this sandbox (by the host, or by Node itself), found
   * without running any code of the value's: its prototype chain has no proxy and does not end at
   * the sandbox's `Object.prototype`.
   */
  isOutside(value: unknown): boolean;
}

/** The trusted runtime inside a sandbox (made by `REALM_RUNTIME_SOURCE`). */
export interface SandboxRuntime {
  /** Called at every loop head and function entry; throws when the run-time budget is spent. */
  guard(): void;
  /** Starts a call: a fresh run-time budget of `ms` milliseconds. */
  begin(ms: number): void;
  /** Whether a limit fired: the instance must not run again. */
  isDead(): boolean;
  /** Marks the instance dead (abandoned code stops at its next guard). */
  kill(): void;
  /**
   * Sandbox value → a fresh structure of plain data for `Membrane.adopt` (throws the host's
   * `SandboxDataError` for anything else). With `trusted`, objects of other realms and functions
   * pass through unchanged (only for values made by the user's own code, never by suggested code).
   */
  exportValue(value: unknown, where: string, trusted?: boolean): unknown;
  /** Sandbox error → host `Error` (name, message and stack read inside the realm). */
  exportError(error: unknown): Error;
  /**
   * Host plain data → realm copy (other objects through the membrane). `kind` is the value's
   * `plainKind` when the caller already knows it.
   */
  importValue(value: unknown, kind?: string): unknown;
  /** A realm error with this name and message. */
  importError(name: string, message: string): unknown;
  /** A realm-made wrapper that calls a host function through the membrane. */
  makeFunction(fn: (...args: unknown[]) => unknown): unknown;
  /** A realm promise and its resolvers. */
  newPromise(): { readonly promise: unknown; resolve(value: unknown): void; reject(reason: unknown): void };
  /** Calls `ok` or `err` when a realm promise settles (with the realm's own `then`). */
  settle(promise: unknown, ok: (value: unknown) => void, err: (reason: unknown) => void): void;
  /** Restarts the clock after the host awaited something (the wait does not count). */
  resumed(): void;
  /** The value of an object's first own property (a method shorthand out of `({ m() {} })`). */
  first(object: object): unknown;
  /** The realm's `Promise.prototype`. */
  readonly promiseProto: object;
  /** The realm's `Object.prototype`. */
  readonly objectProto: object;
}

/** Options of `createSandbox`. */
export interface SandboxOptions {
  /** Shown in debuggers and heap snapshots. */
  readonly name: string;
  /** The name the code is compiled for (error messages). */
  readonly functionName: string;
}

type HostLevel = "log" | "info" | "warn" | "error" | "debug";
const LEVELS: ReadonlySet<string> = new Set(["log", "info", "warn", "error", "debug"]);

let runtimeScript: vm.Script | undefined;
let runnerScript: vm.Script | undefined;
let regexpFlagSet = false;

/** Share of the old generation's limit above which a guard stops sandboxed code with a memory error. */
const HEAP_FULL_FRACTION = 0.7;
const MIB = 1024 * 1024;
let heapLimit = 0;

/**
 * Makes V8 fall back to its linear-time regular-expression engine after excessive backtracking, so
 * a catastrophic pattern without backreferences or lookarounds finishes quickly. Process-wide; it
 * changes how long such patterns take, never what they match.
 */
function enableLinearRegExpFallback(): void {
  if (regexpFlagSet) return;
  regexpFlagSet = true;
  v8.setFlagsFromString("--enable-experimental-regexp-engine-on-excessive-backtracks");
}

/**
 * The heap use above which a guard stops `realm` code (bytes): 70% of the old generation's limit.
 * The realm shares the host heap, so this is a last resort, checked at guards (after every slow
 * step, else every 8 ms): one huge allocation between two guards can still exhaust the heap. Use
 * `strict` for a real memory limit.
 */
export function realmHeapLimitBytes(): number {
  if (heapLimit === 0) heapLimit = oldGenerationLimitBytes() * HEAP_FULL_FRACTION;
  return heapLimit;
}

/**
 * The old generation's size limit: `--max-old-space-size` when given, else V8's heap limit less a
 * young-generation reserve (Node 24 reserves 192 MiB for it, earlier versions 48 MiB; the larger is
 * assumed).
 */
function oldGenerationLimitBytes(): number {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)];
  for (const flag of flags) {
    const m = /^--max-old-space-size=(\d+)$/.exec(flag);
    if (m) return Number(m[1]) * MIB;
  }
  const total = v8.getHeapStatistics().heap_size_limit;
  return Math.max(total - 192 * MIB, total / 2);
}

function heapFull(): boolean {
  return v8.getHeapStatistics().used_heap_size > realmHeapLimitBytes();
}

/** Creates a fresh sandbox realm (see `Sandbox`). */
export function createSandbox(options: SandboxOptions): Sandbox {
  enableLinearRegExpFallback();
  const context = vm.createContext(Object.create(null) as object, {
    name: options.name,
    codeGeneration: { strings: false, wasm: false },
  });
  const timeouts = new WeakSet<object>();
  const memory = new WeakSet<object>();
  runtimeScript ??= new vm.Script(REALM_RUNTIME_SOURCE, { filename: "trace-ts:sandbox-runtime" });
  runnerScript ??= new vm.Script("__traceRun()", { filename: "trace-ts:sandbox-runner" });
  const runner = runnerScript;
  let pending: [unknown, unknown, readonly unknown[]] | undefined;
  const callWithTimeout = (
    fn: unknown,
    self: unknown,
    args: readonly unknown[],
    timeoutMs: number,
  ): unknown => {
    if (!Number.isFinite(timeoutMs))
      return Reflect.apply(fn as (...a: unknown[]) => unknown, self, args as unknown[]);
    pending = [fn, self, args];
    try {
      return runner.runInContext(context, { timeout: Math.max(1, Math.round(timeoutMs)) });
    } catch (error) {
      if (isVmTimeout(error)) {
        sandbox.runtime.kill();
        const timeout = new RangeError("time limit: the code ran out of time");
        timeouts.add(timeout);
        throw timeout;
      }
      throw error;
    }
  };
  let membrane: Membrane | undefined;
  const hooks = Object.assign(Object.create(null) as object, {
    log(level: unknown, text: unknown): void {
      if (typeof text !== "string") return;
      const method = typeof level === "string" && LEVELS.has(level) ? (level as HostLevel) : "log";
      console[method](text);
    },
    markTimeout(error: unknown): void {
      if (typeof error === "object" && error !== null) timeouts.add(error);
    },
    markMemory(error: unknown): void {
      if (typeof error === "object" && error !== null) memory.add(error);
    },
    heapFull,
    runPending(): unknown {
      const p = pending;
      pending = undefined;
      if (p === undefined) return undefined;
      return Reflect.apply(p[0] as (...a: unknown[]) => unknown, p[1], p[2] as unknown[]);
    },
    timedCall(fn: unknown, self: unknown, args: readonly unknown[], remainingMs: number): unknown {
      return callWithTimeout(fn, self, args, remainingMs);
    },
  });
  const runtime = (runtimeScript.runInContext(context) as (h: object) => SandboxRuntime)(
    Membrane.hooks(hooks, () => membrane!),
  );
  membrane = new Membrane(runtime, options.functionName);
  watchSandboxRejections(runtime.promiseProto);
  const sandbox: Sandbox = {
    context,
    run: (script) => script.runInContext(context),
    runtime,
    membrane,
    exportValue: (value, where, trusted) => membrane!.adopt(runtime.exportValue(value, where, trusted)),
    isTimeout: (error) => typeof error === "object" && error !== null && timeouts.has(error),
    isMemory: (error) => typeof error === "object" && error !== null && memory.has(error),
    isOutside: (value) => madeOutside(value, runtime.objectProto),
  };
  return sandbox;
}

/**
 * Whether an error is vm's "Script execution timed out" error. Node may create it in the sandbox's
 * realm, so it is recognised by an own data property only: no getter of the value's ever runs.
 */
function isVmTimeout(error: unknown): boolean {
  if (typeof error !== "object" || error === null || types.isProxy(error)) return false;
  const code = Object.getOwnPropertyDescriptor(error, "code");
  return code !== undefined && "value" in code && code.value === "ERR_SCRIPT_EXECUTION_TIMEOUT";
}

/** The `Object.prototype`s of the host: this module's realm and Node's main context (often the same). */
let hostRoots: ReadonlySet<object> | undefined;

/** The end of an object's prototype chain (Node's own classes end at the main realm's). */
function rootOf(value: object): object {
  let current = value;
  for (
    let next = Object.getPrototypeOf(current) as object | null;
    next !== null;
    next = Object.getPrototypeOf(next) as object | null
  )
    current = next;
  return current;
}

/** See `Sandbox.isOutside`. */
function madeOutside(value: unknown, sandboxObjectProto: object): boolean {
  if (typeof value !== "object" || value === null || types.isProxy(value)) return false;
  hostRoots ??= new Set([Object.prototype, rootOf(Buffer.prototype)]);
  let proto = Object.getPrototypeOf(value) as object | null;
  for (let depth = 0; proto !== null && depth < 32; depth++) {
    if (types.isProxy(proto) || proto === sandboxObjectProto) return false;
    if (hostRoots.has(proto)) return true;
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  return false;
}
