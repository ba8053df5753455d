/**
 * Loads the QuickJS WebAssembly engine synchronously and makes one independent engine instance
 * (its own WebAssembly memory) per call of {@link newQuickJSInstance}.
 *
 * Emscripten's module factory is an `async` function: even when the `.wasm` bytes are compiled
 * with `new WebAssembly.Module` and instantiated with `new WebAssembly.Instance` through the
 * `instantiateWasm` hook, the factory finishes its start-up after an `await`. To finish it
 * synchronously, the factory's glue code (`emscripten-module.cjs` of the pinned variant) is
 * evaluated in a `node:vm` context created with `microtaskMode: "afterEvaluate"`: V8 runs that
 * context's microtasks (the `await` continuation) before `runInContext` returns. The glue sees a
 * handful of harmless globals only (a fake `process`, a silent `console`, `fs` through a restricted
 * `require`); it never touches the host's `process`.
 *
 * Every instance gets its own `WebAssembly.Memory` whose maximum size is a hard memory cap: the
 * QuickJS allocator's own limit is not reliable in WebAssembly builds (QuickJS counts 8 bytes per
 * allocation there, not the allocation's size), while a memory that cannot grow makes `malloc` fail
 * and QuickJS throw `out of memory`. The module's minimum memory is 16 MiB (5 MiB of it C stack);
 * for smaller budgets a ballast block that is never freed takes up the difference. Failed heap
 * growths are counted, which tells running out of memory apart from other failures. Separate
 * instances also contain damage: an engine that a host stack overflow or a trap left half-way
 * through C code is dropped with its instance.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import vm from "node:vm";
import type { QuickJSEmscriptenModule, QuickJSWASMModule } from "quickjs-emscripten-core";
import { TraceError } from "../../errors/trace-error.js";

/** Size of a WebAssembly memory page. */
const PAGE_BYTES = 65536;
/** The variant's module declares a 16 MiB minimum memory (5 MiB of it is the C stack). */
const MIN_PAGES = 256;
/** The largest memory the variant's module accepts (2 GiB). */
const MAX_PAGES = 32768;
/** Heap kept on top of the caller's memory budget for the runtime, a context and the prelude. */
const ENGINE_RESERVE_BYTES = 1 << 20;
const VARIANT = "@jitl/quickjs-wasmfile-release-sync";

/** The part of a `WebAssembly.Memory` the strict tier uses (the project's `lib` has no WebAssembly types). */
export interface WasmMemory {
  /** The memory's current bytes. */
  readonly buffer: ArrayBuffer;
}

/** A compiled WebAssembly module (opaque here). */
type WasmModule = object;
/** A WebAssembly instance (only its exports are used). */
interface WasmInstance {
  readonly exports: object;
}
/** The imports object emscripten hands to `instantiateWasm`. */
type WasmImports = object;

/** The `WebAssembly` global, typed for what the loader needs. */
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: WasmImports) => WasmInstance;
  Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory;
}

const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** One QuickJS WebAssembly instance: the module API over it and the memory it runs in. */
export interface QuickJSInstance {
  /** The quickjs-emscripten API bound to this instance. */
  readonly module: QuickJSWASMModule;
  /** The instance's memory (its maximum is the hard memory cap). */
  readonly memory: WasmMemory;
  /** The memory's maximum size in bytes. */
  readonly maxBytes: number;
  /**
   * How many times the C heap asked for more memory and could not get it (the instance's memory is
   * at its cap): each one made `malloc` fail, so QuickJS ran out of memory.
   */
  heapGrowthFailures(): number;
}

/** Timings and counters of the loader, for reports and tests. */
export interface QuickJSLoadStats {
  /** Milliseconds the first load took (read and compile the `.wasm`, evaluate the glue), or undefined before it. */
  readonly loadMs: number | undefined;
  /** Instances created so far. */
  readonly instances: number;
  /** Milliseconds the most recent instance took to create. */
  readonly lastInstanceMs: number | undefined;
}

type InstantiateHook = (
  imports: WasmImports,
  onSuccess: (instance: WasmInstance, module: WasmModule) => void,
) => object;

/** What the emscripten factory reads from its argument and writes into it. */
interface ModuleArgument {
  wasmMemory: WasmMemory;
  instantiateWasm: InstantiateHook;
  print: (text: string) => void;
  printErr: (text: string) => void;
  calledRun?: boolean;
  type?: "sync";
  _malloc?: (size: number) => number;
  _free?: (pointer: number) => void;
}

type FFIConstructor = new (module: QuickJSEmscriptenModule) => object;
type ModuleConstructor = new (module: QuickJSEmscriptenModule, ffi: object) => QuickJSWASMModule;

interface Loaded {
  readonly wasm: WasmModule;
  readonly context: vm.Context;
  readonly globals: { __traceLoad: (() => unknown) | undefined };
  readonly start: vm.Script;
  readonly factory: (argument: ModuleArgument) => unknown;
  readonly FFI: FFIConstructor;
  readonly Module: ModuleConstructor;
}

let loaded: Loaded | undefined;
let loadMs: number | undefined;
let instances = 0;
let lastInstanceMs: number | undefined;

function noop(): void {}

/** Reads, compiles and prepares the QuickJS variant once per process. */
function load(): Loaded {
  if (loaded !== undefined) return loaded;
  try {
    return loadOnce();
  } catch (error) {
    if (error instanceof TraceError) throw error;
    throw loadError(error instanceof Error ? error.message : String(error), error);
  }
}

function loadOnce(): Loaded {
  const started = performance.now();
  const require = createRequire(import.meta.url);
  const wasmPath = require.resolve(`${VARIANT}/wasm`);
  const gluePath = require.resolve(`${VARIANT}/emscripten-module`);
  const wasm = new Wasm.Module(readFileSync(wasmPath));
  const fs = require("node:fs") as unknown;
  const globals: Loaded["globals"] & Record<string, unknown> = {
    __traceLoad: undefined,
    console: { log: noop, error: noop, warn: noop, info: noop, debug: noop },
    process: { argv: ["node"], env: {} },
    TextDecoder,
    performance,
    setTimeout,
    clearTimeout,
    URL,
  };
  const context = vm.createContext(globals, {
    name: "trace-ts QuickJS loader",
    microtaskMode: "afterEvaluate",
    codeGeneration: { strings: false, wasm: false },
  });
  const glue = new vm.Script(
    `(function (exports, require, module, __filename, __dirname) {${readFileSync(gluePath, "utf8")}\n})`,
    { filename: gluePath },
  );
  const wrapper = glue.runInContext(context) as (
    exports: object,
    require: (id: string) => unknown,
    module: { exports: unknown },
    filename: string,
    dirname: string,
  ) => void;
  const holder: { exports: unknown } = { exports: {} };
  const restrictedRequire = (id: string): unknown => {
    if (id === "node:fs" || id === "fs") return fs;
    throw new Error(`the QuickJS loader does not provide '${id}'`);
  };
  wrapper(holder.exports as object, restrictedRequire, holder, gluePath, dirname(gluePath));
  const factory = holder.exports as (argument: ModuleArgument) => unknown;
  if (typeof factory !== "function") throw loadError("the emscripten glue did not export a factory");
  const ffi = require(`${VARIANT}/ffi`) as { QuickJSFFI?: FFIConstructor };
  const core = require("quickjs-emscripten-core") as { QuickJSWASMModule?: ModuleConstructor };
  if (typeof ffi.QuickJSFFI !== "function" || typeof core.QuickJSWASMModule !== "function")
    throw loadError("quickjs-emscripten-core or the variant's FFI has an unexpected shape");
  loaded = {
    wasm,
    context,
    globals,
    start: new vm.Script("__traceLoad()", { filename: "trace-ts:quickjs-start" }),
    factory,
    FFI: ffi.QuickJSFFI,
    Module: core.QuickJSWASMModule,
  };
  loadMs = performance.now() - started;
  return loaded;
}

function loadError(problem: string, cause?: unknown): TraceError {
  return new TraceError(
    "SANDBOX_ENGINE_LOAD",
    `the QuickJS engine for the strict isolation tier could not be loaded: ${problem}. Check that ${VARIANT} and quickjs-emscripten-core are installed at version 0.32.0.`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * Creates a QuickJS engine instance with its own memory, synchronously (the first call also
 * loads and compiles the WebAssembly module, about 30–45 ms; later calls take about 2–3 ms).
 *
 * @param memoryBytes the heap the engine's code may use (Infinity: up to the module's 2 GiB
 *   maximum); the instance's memory cannot grow beyond that plus a small reserve
 */
export function newQuickJSInstance(memoryBytes: number): QuickJSInstance {
  const l = load();
  const started = performance.now();
  const capped = Number.isFinite(memoryBytes) && memoryBytes > 0;
  // the C stack and static data sit below the heap (about 5.3 MiB); the cap is computed from the
  // heap's start once the instance exists, and a ballast block takes up whatever the minimum
  // 16 MiB memory holds beyond the budget
  const maxPages = capped
    ? Math.min(
        MAX_PAGES,
        Math.max(MIN_PAGES, Math.ceil(((6 << 20) + memoryBytes + ENGINE_RESERVE_BYTES) / PAGE_BYTES)),
      )
    : MAX_PAGES;
  const memory = new Wasm.Memory({ initial: MIN_PAGES, maximum: maxPages });
  let failure: unknown;
  let growthFailures = 0;
  const argument: ModuleArgument = {
    wasmMemory: memory,
    print: noop,
    printErr: noop,
    instantiateWasm(imports, onSuccess) {
      try {
        countGrowthFailures(imports, () => growthFailures++);
        const instance = new Wasm.Instance(l.wasm, imports);
        onSuccess(instance, l.wasm);
        return instance.exports;
      } catch (error) {
        failure = error;
        return {};
      }
    },
  };
  l.globals.__traceLoad = () => {
    const pending = l.factory(argument) as { then?: (ok: () => void, fail: () => void) => void };
    // a factory that failed must not leave an unhandled rejection behind
    if (typeof pending?.then === "function") pending.then(noop, noop);
  };
  try {
    l.start.runInContext(l.context);
  } finally {
    l.globals.__traceLoad = undefined;
  }
  if (failure !== undefined || argument.calledRun !== true || typeof argument._malloc !== "function") {
    const why =
      failure instanceof Error ? failure.message : "the emscripten module did not start synchronously";
    throw loadError(why);
  }
  argument.type = "sync";
  const emscripten = argument as unknown as QuickJSEmscriptenModule;
  const module = new l.Module(emscripten, new l.FFI(emscripten));
  if (capped) placeBallast(argument, maxPages * PAGE_BYTES, memoryBytes);
  instances++;
  lastInstanceMs = performance.now() - started;
  return { module, memory, maxBytes: maxPages * PAGE_BYTES, heapGrowthFailures: () => growthFailures };
}

/**
 * Wraps the emscripten import that grows the heap (the one import that calls `memory.grow`; the
 * glue is minified, so it is recognised by that) to count the times it fails. Without it (another
 * glue), running out of memory is still detected from QuickJS's own errors.
 */
function countGrowthFailures(imports: WasmImports, onFailure: () => void): void {
  for (const group of Object.values(imports as Record<string, unknown>)) {
    if (typeof group !== "object" || group === null) continue;
    const functions = group as Record<string, unknown>;
    for (const [key, value] of Object.entries(functions)) {
      if (typeof value !== "function" || !Function.prototype.toString.call(value).includes(".grow("))
        continue;
      const grow = value as (...args: unknown[]) => unknown;
      functions[key] = (...args: unknown[]): unknown => {
        const grown = grow(...args);
        if (!grown) onFailure();
        return grown;
      };
    }
  }
}

/**
 * Allocates (and never frees) the part of the instance's memory that lies beyond the caller's
 * budget, so that the heap QuickJS can use is about `memoryBytes` plus the engine reserve even when
 * the budget is smaller than the module's 16 MiB minimum memory.
 */
function placeBallast(argument: ModuleArgument, maxBytes: number, memoryBytes: number): void {
  const malloc = argument._malloc!;
  const probe = malloc(16);
  if (probe === 0) return;
  argument._free!(probe);
  const ballast = maxBytes - probe - memoryBytes - ENGINE_RESERVE_BYTES;
  if (ballast >= PAGE_BYTES) malloc(ballast);
}

/** Timings and counters of the QuickJS loader. */
export function quickJSLoadStats(): QuickJSLoadStats {
  return { loadMs, instances, lastInstanceMs };
}
