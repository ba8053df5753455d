/**
 * One QuickJS engine of a runner: a WebAssembly instance of its own (hard memory cap) with one
 * QuickJS runtime (memory limit, stack limit, interrupt handler) and one context holding the
 * runner's compiled, locked-down code. An engine serves one call at a time (its "client"): the
 * interrupt handler consults that call's clock, and the engine's helper and node-read bridges
 * route to that call.
 *
 * Anything that enters QuickJS goes through {@link Engine.enter}: a host exception escaping from
 * QuickJS (V8's own stack overflowing inside WebAssembly, a trap) leaves the C code half-way, so
 * the engine is marked corrupt and is dropped without touching it again.
 */
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from "quickjs-emscripten-core";
import { TraceError } from "../../errors/trace-error.js";
import type { RunLimits } from "../runner.js";
import type { RunClock } from "./clock.js";
import { errorReply } from "./data.js";
import { newQuickJSInstance, type QuickJSInstance } from "./loader.js";
import { loadProgram, type ProgramSpec } from "./program.js";

/**
 * QuickJS's stack limit. QuickJS measures its own (WebAssembly linear-memory) stack, but each
 * QuickJS frame also uses V8's native stack, and Node's ~1 MB native stack overflows first once
 * the limit is 512 KiB or more (measured); at 256 KiB plain recursion reaches about 1,400 frames
 * and QuickJS reports the overflow itself. Deeper native recursion (the parser on deeply nested
 * `eval` text) is caught by {@link Engine.enter} instead.
 */
export const STACK_BYTES = 256 * 1024;

/** A host exception escaped from QuickJS; the engine it happened in is unusable. */
export class EngineFault extends Error {
  /**
   * @param cause what escaped
   */
  constructor(cause: unknown) {
    super(`the QuickJS engine failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "EngineFault";
  }

  /** Whether the fault is V8's stack overflowing (the code recursed too deeply for the host). */
  get isStackOverflow(): boolean {
    // by name: the error may come from the loader's vm context (another realm)
    const cause = this.cause as { name?: unknown; message?: unknown } | null | undefined;
    return (
      cause?.name === "RangeError" && typeof cause.message === "string" && /call stack/i.test(cause.message)
    );
  }
}

/** The call an engine serves: its clock and the host side of the bridges. */
export interface EngineClient {
  /** The call's run-time clock (the interrupt handler asks it). */
  readonly clock: RunClock;
  /** Host side of a helper call; returns a reply string handle or a promise handle. */
  helperCall(ctx: QuickJSContext, index: QuickJSHandle, argsText: QuickJSHandle): QuickJSHandle;
  /** Host side of a node read; returns a reply string handle. */
  readNode(ctx: QuickJSContext, index: QuickJSHandle): QuickJSHandle;
}

/** Counters of engine lifecycles, for tests and reports. */
export interface EngineStats {
  /** Engines created. */
  created: number;
  /** Engines disposed cleanly. */
  disposed: number;
  /** Corrupt engines dropped without disposal. */
  abandoned: number;
  /** Disposals that failed (QuickJS found objects still referenced: a leaked handle). */
  disposeFailures: number;
  /** Milliseconds the most recent engine took to create (instance, runtime, compile, lockdown). */
  lastCreateMs: number | undefined;
}

const stats: EngineStats = {
  created: 0,
  disposed: 0,
  abandoned: 0,
  disposeFailures: 0,
  lastCreateMs: undefined,
};

/** A copy of the engine counters. */
export function engineStats(): EngineStats {
  return { ...stats };
}

/** A QuickJS runtime and context in a WebAssembly instance of its own, with a runner's code. */
export class Engine {
  /** The instance the runtime lives in. */
  readonly instance: QuickJSInstance;
  /** The QuickJS runtime. */
  readonly runtime: QuickJSRuntime;
  /** The context holding the runner's code. */
  readonly context: QuickJSContext;
  /** The engine's `call(selfText, argsText)` function. */
  readonly callFunction: QuickJSHandle;
  readonly #owned: QuickJSHandle[] = [];
  #client: EngineClient | undefined;
  #depth = 0;
  #corrupt = false;
  #disposed = false;
  #disposeWhenIdle = false;

  /**
   * Creates the instance, runtime and context and compiles the runner's code (synchronously).
   *
   * @param limits the memory limit (the instance's cap and QuickJS's own limit)
   * @param spec the runner's code
   * @throws CodeCompileError, CodeMemoryError, or a TraceError when the engine cannot be set up
   */
  constructor(limits: RunLimits, spec: ProgramSpec) {
    const started = performance.now();
    this.instance = newQuickJSInstance(limits.memoryBytes);
    this.runtime = this.instance.module.newRuntime();
    try {
      this.runtime.setMaxStackSize(STACK_BYTES);
      this.runtime.setMemoryLimit(Number.isFinite(limits.memoryBytes) ? limits.memoryBytes : -1);
      this.runtime.setInterruptHandler(() => this.#client?.clock.shouldInterrupt() ?? false);
      const ctx = this.runtime.newContext();
      this.context = ctx;
      const ended = (): QuickJSHandle => ctx.newString(errorReply(new Error("the call has ended")));
      const bridge = this.#own(
        ctx.newFunction("bridge", (i, t) =>
          this.#client === undefined ? ended() : this.#client.helperCall(ctx, i, t),
        ),
      );
      const read = this.#own(
        ctx.newFunction("read", (i) =>
          this.#client === undefined ? ended() : this.#client.readNode(ctx, i),
        ),
      );
      this.callFunction = this.#own(this.enter(() => loadProgram(ctx, spec, bridge, read)));
    } catch (error) {
      this.dispose();
      throw error;
    }
    stats.created++;
    stats.lastCreateMs = performance.now() - started;
  }

  /** Whether the engine can run code (not disposed, not corrupt). */
  get usable(): boolean {
    return !this.#disposed && !this.#corrupt && !this.#disposeWhenIdle;
  }

  /** Whether a host exception escaped from QuickJS in this engine. */
  get corrupt(): boolean {
    return this.#corrupt;
  }

  /** Whether QuickJS is executing right now (the host is inside an `enter`). */
  get busy(): boolean {
    return this.#depth > 0;
  }

  /** Sets the call the engine serves (its clock, its bridges), or none. */
  attach(client: EngineClient | undefined): void {
    this.#client = client;
  }

  /**
   * Runs `operation`, which enters QuickJS. A host exception escaping from it marks the engine
   * corrupt and is rethrown as an {@link EngineFault}; errors the strict tier throws on purpose
   * (TraceErrors from set-up) pass through.
   */
  enter<T>(operation: () => T): T {
    if (this.#corrupt || this.#disposed) throw new EngineFault(new Error("the engine is no longer usable"));
    this.#depth++;
    try {
      return operation();
    } catch (error) {
      if (error instanceof EngineFault || isDeliberate(error)) throw error;
      this.#corrupt = true;
      throw new EngineFault(error);
    } finally {
      this.#depth--;
      if (this.#depth === 0 && this.#disposeWhenIdle) this.dispose();
    }
  }

  /**
   * Frees the engine's handles, context and runtime and drops the instance. A corrupt engine is
   * dropped without calling into it; an engine that is executing (a re-entrant dispose from a
   * helper) is freed when it returns.
   */
  dispose(): void {
    if (this.#disposed) return;
    if (this.#depth > 0) {
      this.#disposeWhenIdle = true;
      return;
    }
    this.#disposed = true;
    this.#client = undefined;
    if (this.#corrupt) {
      stats.abandoned++;
      return;
    }
    try {
      for (let i = this.#owned.length - 1; i >= 0; i--) if (this.#owned[i]!.alive) this.#owned[i]!.dispose();
      this.#owned.length = 0;
      // the runtime does not own contexts made with runtime.newContext(): free it first
      if ((this.context as QuickJSContext | undefined)?.alive === true) this.context.dispose();
      this.runtime.dispose();
      stats.disposed++;
    } catch {
      // QuickJS asserts that no object outlives the runtime; the instance is dropped either way
      stats.disposeFailures++;
    }
  }

  #own(handle: QuickJSHandle): QuickJSHandle {
    this.#owned.push(handle);
    return handle;
  }
}

/** Errors raised on purpose inside an `enter` (not signs of a broken engine). */
function isDeliberate(error: unknown): boolean {
  return error instanceof TraceError;
}
