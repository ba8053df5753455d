import vm from "node:vm";
import { RealmBridge, type RealmPrototypes } from "./realm.js";

/**
 * The realm trainable code runs in.
 *
 * Each compiled version of a function gets a fresh V8 context (`vm.createContext`, ~0.6 ms):
 * its own `Object`, `Array`, `Function`… and a global object with nothing but the ECMAScript
 * built-ins and a `console` that forwards to the host console. Code generation from strings is
 * off in that context, so `eval`, `Function("…")` and `(() => {}).constructor("return process")`
 * throw `EvalError`. `SharedArrayBuffer`, `Atomics` and `WebAssembly` are removed (`Atomics.wait`
 * could block the thread). There is no `require`, `process`, `import()` or host `globalThis`.
 *
 * The context also holds the runtime of the time-limit guards that compilation inserts into every
 * loop (see `guardLoops`), and a runner that calls a function under vm's hard timeout.
 */
export interface Sandbox {
  /** The V8 context. */
  readonly context: vm.Context;
  /** Runs a script in the context and returns its completion value. */
  run(script: vm.Script): unknown;
  /** The guard runtime the compiled factory receives. */
  readonly runtime: SandboxRuntime;
  /** Converts values and errors made in the sandbox into host-realm equivalents. */
  readonly bridge: RealmBridge;
  /** Whether an error is the one a loop guard throws when time is up. */
  isTimeout(error: unknown): boolean;
  /**
   * Calls `fn` with `self` and `args` inside the context under vm's hard timeout, which also stops
   * work loop guards cannot see (e.g. a catastrophic regular expression). Synchronous work only.
   */
  callWithTimeout(fn: unknown, self: unknown, args: readonly unknown[], timeoutMs: number): unknown;
}

/** The context-realm object behind the loop guards (called by compiled code and by the host). */
export interface SandboxRuntime {
  /** Called at the top of every loop iteration; throws when the time budget is spent. */
  guard(): void;
  /** Starts a new time budget (the host calls it before each call into compiled code). */
  begin(): void;
  /** The value of an object's first own property (how a method shorthand is taken out of `({ m() {} })`). */
  first(object: object): unknown;
  /** Stores the next call for the hard-timeout runner. */
  prepare(fn: unknown, self: unknown, args: readonly unknown[]): void;
}

/** Options of `createSandbox`. */
export interface SandboxOptions {
  /** Shown in debuggers and heap snapshots. */
  readonly name: string;
  /** How long compiled code may run without a break before a loop guard stops it (Infinity: never). */
  readonly budgetMs: number;
}

// Runs once per context. Host functions (log, markTimeout) stay inside closures: sandboxed code can
// call the wrappers but never holds a host function, whose `constructor` would be the host Function.
const RUNTIME_SOURCE = `(function (hostLog, markTimeout, budget, gap) {
  "use strict";
  const now = Date.now;
  const ownKeys = Reflect.ownKeys;
  const apply = Reflect.apply;
  const freeze = Object.freeze;
  const defineProperty = Object.defineProperty;
  let mark = 0;
  let last = 0;
  let dead = false;
  let pending;
  const fail = () => {
    dead = true;
    const error = new RangeError("time limit: the code ran for more than " + budget + " ms without finishing (timeoutMs)");
    markTimeout(error);
    throw error;
  };
  const runtime = freeze({
    guard() {
      const t = now();
      if (t - last > gap) { mark = t; dead = false; }
      last = t;
      if (dead || t - mark > budget) fail();
    },
    begin() { mark = last = now(); dead = false; },
    first(object) { return object[ownKeys(object)[0]]; },
    prepare(fn, self, args) { pending = [fn, self, args]; },
  });
  const sandboxConsole = {};
  for (const level of ["log", "info", "warn", "error", "debug"]) {
    sandboxConsole[level] = (...args) => { hostLog(level, args); };
  }
  defineProperty(globalThis, "console", { value: freeze(sandboxConsole), writable: true, configurable: true });
  defineProperty(globalThis, "__traceRun", {
    value: () => { const p = pending; pending = undefined; return apply(p[0], p[1], p[2]); },
  });
  for (const name of ["SharedArrayBuffer", "Atomics", "WebAssembly"]) delete globalThis[name];
  return runtime;
})`;
const PROTOTYPES_SOURCE =
  "({ object: Object.prototype, array: Array.prototype, map: Map.prototype, set: Set.prototype, date: Date.prototype, regexp: RegExp.prototype, error: Error.prototype, promise: Promise.prototype })";

let runtimeScript: vm.Script | undefined;
let prototypesScript: vm.Script | undefined;
let runnerScript: vm.Script | undefined;

/** Gap between two guard checks after which the code is considered to have yielded (ms). */
const MAX_GAP_MS = 100;

type HostLevel = "log" | "info" | "warn" | "error" | "debug";

function hostLog(level: unknown, args: unknown): void {
  const method =
    typeof level === "string" && ["log", "info", "warn", "error", "debug"].includes(level)
      ? (level as HostLevel)
      : "log";
  console[method](...(Array.isArray(args) ? args : [args]));
}

/** Creates a fresh sandbox realm (see `Sandbox`). */
export function createSandbox(options: SandboxOptions): Sandbox {
  const context = vm.createContext(Object.create(null) as object, {
    name: options.name,
    codeGeneration: { strings: false, wasm: false },
  });
  const timeouts = new WeakSet<object>();
  const markTimeout = (error: unknown): void => {
    if (typeof error === "object" && error !== null) timeouts.add(error);
  };
  runtimeScript ??= new vm.Script(RUNTIME_SOURCE, { filename: "trace-ts:sandbox-runtime" });
  prototypesScript ??= new vm.Script(PROTOTYPES_SOURCE, { filename: "trace-ts:sandbox-prototypes" });
  runnerScript ??= new vm.Script("__traceRun()", { filename: "trace-ts:sandbox-runner" });
  const gap = Math.min(MAX_GAP_MS, Math.max(1, options.budgetMs / 2));
  const makeRuntime = runtimeScript.runInContext(context) as (
    log: typeof hostLog,
    mark: typeof markTimeout,
    budget: number,
    gap: number,
  ) => SandboxRuntime;
  const runtime = makeRuntime(hostLog, markTimeout, options.budgetMs, gap);
  const bridge = new RealmBridge(prototypesScript.runInContext(context) as RealmPrototypes);
  const runner = runnerScript;
  return {
    context,
    run: (script) => script.runInContext(context),
    runtime,
    bridge,
    isTimeout: (error) => typeof error === "object" && error !== null && timeouts.has(error),
    callWithTimeout(fn, self, args, timeoutMs) {
      runtime.prepare(fn, self, args);
      return runner.runInContext(context, { timeout: Math.max(1, Math.round(timeoutMs)) });
    },
  };
}

/** Whether an error is vm's "Script execution timed out" error. */
export function isVmTimeout(error: unknown): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    (error as { code?: unknown }).code === "ERR_SCRIPT_EXECUTION_TIMEOUT"
  );
}
