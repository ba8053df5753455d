/**
 * One call of a strict runner, start to finish, in an engine it has to itself.
 *
 * The call passes the JSON of `this` and of the arguments to the engine's `call` function (which
 * builds a fresh function object, scope and `this` in the locked-down context), then runs pending
 * jobs. A string result is the answer; a promise result makes the call asynchronous: each settled
 * helper promise resolves its QuickJS promise, runs pending jobs and checks whether the call's
 * promise has settled. Every handle the call creates is disposed when it ends.
 */
import type { QuickJSContext, QuickJSDeferredPromise, QuickJSHandle } from "quickjs-emscripten-core";
import { findStopError } from "../../errors/stop-error.js";
import type { TraceError } from "../../errors/trace-error.js";
import type { Node } from "../../graph/node.js";
import { CodeMemoryError, CodeTimeoutError, SandboxDataError } from "../errors.js";
import type { CallEnvironment, RunLimits } from "../runner.js";
import { RunClock } from "./clock.js";
import {
  argumentsFromJson,
  argumentsToJson,
  type DataProblem,
  dataProblemReply,
  errorReply,
  toReply,
} from "./data.js";
import { type Engine, type EngineClient, EngineFault } from "./engine.js";
import {
  codeError,
  hostErrorFor,
  isOutOfMemory,
  parseFailure,
  type ScriptLocation,
  STACK_OVERFLOW_MESSAGE,
} from "./errors.js";
import { snapshotSelf } from "./self.js";

/** A host function the code may call by name. */
export interface HelperBinding {
  /** Its scope name. */
  readonly name: string;
  /** The host function (called with `this` undefined). */
  readonly fn: (...args: unknown[]) => unknown;
}

/** What every call of one runner shares. */
export interface RunnerCore {
  /** The bundled function's name (errors). */
  readonly name: string;
  /** Where the code sits in the script, for stack frames. */
  readonly location: ScriptLocation;
  /** Helpers, in bridge index order. */
  readonly helpers: readonly HelperBinding[];
  /** The limits of every call. */
  readonly limits: RunLimits;
}

/** How a call ended. */
export type CallOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: unknown };

interface Disposable {
  readonly alive: boolean;
  dispose(): void;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value instanceof Promise ||
    (((typeof value === "object" && value !== null) || typeof value === "function") &&
      typeof (value as { then?: unknown }).then === "function")
  );
}

function replyFor(value: unknown, where: string): string {
  const reply: string | DataProblem = toReply(value);
  return typeof reply === "string" ? reply : dataProblemReply(where, reply.problem);
}

/** One call of a strict runner (see the module comment). */
export class StrictCall implements EngineClient {
  /** The call's run-time clock. */
  readonly clock: RunClock;
  /** Called once when a call that went asynchronous ends. */
  onSettled: ((outcome: CallOutcome) => void) | undefined;
  readonly #core: RunnerCore;
  readonly #engine: Engine;
  readonly #env: CallEnvironment;
  readonly #handles: Disposable[] = [];
  readonly #deferreds = new Set<QuickJSDeferredPromise>();
  #promise: QuickJSHandle | undefined;
  #nodes: readonly Node[] = [];
  #nodeFields: readonly string[] = [];
  #stopError: TraceError | undefined;
  #cancelError: unknown;
  #cancelled = false;
  #abnormal = false;
  #outcome: CallOutcome | undefined;
  #growthFailuresAtStart = 0;

  /**
   * @param core what the runner's calls share
   * @param engine an engine no other call is using
   * @param env reads of graph nodes behind `this` fields
   */
  constructor(core: RunnerCore, engine: Engine, env: CallEnvironment) {
    this.#core = core;
    this.#engine = engine;
    this.#env = env;
    this.clock = new RunClock(core.limits.cpuMs, core.limits.wallMs);
  }

  /** Whether the code returned a promise (the call's result is then delivered as a Promise). */
  get returnedPromise(): boolean {
    return this.#promise !== undefined;
  }

  /** Whether the call has ended. */
  get done(): boolean {
    return this.#outcome !== undefined;
  }

  /**
   * Whether the engine must be recycled rather than reused: the call hit a limit, ran out of
   * memory, was abandoned, or the engine failed.
   */
  get abnormal(): boolean {
    return this.#abnormal || !this.#engine.usable;
  }

  /**
   * Runs the call as far as it goes synchronously.
   *
   * @returns how it ended, or undefined when it waits for helpers (then {@link onSettled} reports the end)
   */
  start(self: unknown, args: readonly unknown[]): CallOutcome | undefined {
    const { name } = this.#core;
    const argsText = argumentsToJson(args);
    if (typeof argsText !== "string")
      return this.#finish({
        ok: false,
        error: new SandboxDataError(name, `argument ${argsText.index + 1}`, argsText.problem),
      });
    const snapshot = snapshotSelf(self);
    this.#nodes = snapshot?.nodes ?? [];
    this.#nodeFields = snapshot?.nodeFields ?? [];
    const engine = this.#engine;
    const ctx = engine.context;
    this.#growthFailuresAtStart = engine.instance.heapGrowthFailures();
    engine.attach(this);
    try {
      const selfHandle =
        snapshot === undefined ? ctx.undefined : this.#own(this.#q(() => ctx.newString(snapshot.text)));
      const argsHandle = this.#own(this.#q(() => ctx.newString(argsText)));
      const called = this.#run(() =>
        ctx.callFunction(engine.callFunction, ctx.undefined, [selfHandle, argsHandle]),
      );
      if (called.error !== undefined) return this.#finish(this.#failure(called.error));
      const result = this.#own(called.value);
      const drained = this.#drain();
      if (drained !== undefined) return this.#finish(drained);
      // the wrapper returns a reply string, or a promise of one (a cheap check: no allocation)
      const state = this.#q(() => ctx.getPromiseState(result));
      if (state.type === "fulfilled" && state.notAPromise === true) {
        return this.#finish(this.#decode(this.#q(() => ctx.getString(result))));
      }
      this.#promise = result;
      const settled = this.#settledOrPending();
      return settled === undefined ? undefined : this.#finish(settled);
    } catch (error) {
      return this.#finish(this.#faultOutcome(error));
    }
  }

  /**
   * Ends the call with `error` (its wall-clock time ran out, or the runner was disposed). When
   * QuickJS is executing (a helper disposed the runner), the code is interrupted first.
   */
  abandon(error: unknown): void {
    if (this.done) return;
    this.#cancelError = error;
    this.#cancelled = true;
    this.#abnormal = true;
    if (this.#engine.busy) {
      this.clock.cancel();
      return;
    }
    this.#deliver({ ok: false, error });
  }

  /** Runs an FFI operation that does not run code. */
  #q<T>(operation: () => T): T {
    return this.#engine.enter(operation);
  }

  /** Runs an FFI operation that runs code, on the run-time clock. */
  #run<T>(operation: () => T): T {
    return this.#engine.enter(() => {
      this.clock.start();
      try {
        return operation();
      } finally {
        this.clock.stop();
      }
    });
  }

  #own<T extends Disposable>(handle: T): T {
    this.#handles.push(handle);
    return handle;
  }

  /**
   * Runs pending jobs until there are none; the failure outcome when one fails, or when a limit
   * stopped the code. An interrupt that lands inside a promise reaction (`.then(loop)` of a
   * microtask flood) is caught by QuickJS's promise machinery and becomes a rejection nobody
   * handles, so the job queue just empties: the clock, not the job's result, says the code was cut.
   */
  #drain(): CallOutcome | undefined {
    const runtime = this.#engine.runtime;
    while (this.#q(() => runtime.hasPendingJob())) {
      const done = this.#run(() => runtime.executePendingJobs());
      if (done.error !== undefined) return this.#failure(done.error);
      done.dispose();
    }
    const limitError = this.#limitError();
    if (limitError !== undefined) {
      this.#abnormal = true;
      return { ok: false, error: limitError };
    }
    return undefined;
  }

  /** The outcome once the call's promise has settled (not yet recorded); undefined while it has not. */
  #settledOrPending(): CallOutcome | undefined {
    const ctx = this.#engine.context;
    const promise = this.#promise!;
    const state = this.#q(() => ctx.getPromiseState(promise));
    if (state.type === "pending") {
      // an interrupt (or running out of memory) while QuickJS settles an async function's promise
      // is swallowed there, leaving the promise pending for ever: report the cause
      const limitError = this.#limitError();
      if (limitError !== undefined) {
        this.#abnormal = true;
        return { ok: false, error: limitError };
      }
      if (this.#deferreds.size > 0) return undefined;
      if (this.#memoryExhausted()) {
        this.#abnormal = true;
        return { ok: false, error: new CodeMemoryError(this.#core.name, this.#core.limits.memoryBytes) };
      }
      return {
        ok: false,
        error: codeError(
          "Error",
          `${this.#core.name}: the promise the code returned can never settle (it waits for something nothing will resolve)`,
          "",
          this.#core.location,
        ),
      };
    }
    if (state.type === "rejected") return this.#failure(state.error);
    const value = state.value;
    try {
      if (this.#q(() => ctx.typeof(value)) !== "string")
        return { ok: false, error: new SandboxDataError(this.#core.name, "the result", "it is malformed") };
      return this.#decode(this.#q(() => ctx.getString(value)));
    } finally {
      if (state.notAPromise !== true && value.alive) this.#q(() => value.dispose());
    }
  }

  /** Host side of a helper call: `bridge(index, argsJson)` returns a reply or a promise of one. */
  helperCall(ctx: QuickJSContext, indexHandle: QuickJSHandle, textHandle: QuickJSHandle): QuickJSHandle {
    this.clock.stop();
    try {
      // a call being stopped (limit reached, abandoned) runs no more host code
      if (this.clock.exceeded !== undefined)
        return ctx.newString(errorReply(new Error("the call was stopped")));
      const helper = this.#core.helpers[ctx.getNumber(indexHandle)]!;
      let args: unknown[];
      try {
        args = argumentsFromJson(ctx.getString(textHandle));
      } catch {
        return ctx.newString(
          dataProblemReply(`the arguments of helper ${helper.name}`, "they are malformed"),
        );
      }
      let value: unknown;
      try {
        value = Reflect.apply(helper.fn, undefined, args);
      } catch (error) {
        this.#noteHostError(error);
        return ctx.newString(errorReply(error));
      }
      if (!isThenable(value)) return ctx.newString(replyFor(value, `the result of helper ${helper.name}`));
      const deferred = ctx.newPromise();
      this.#deferreds.add(deferred);
      Promise.resolve(value).then(
        (settled) => this.#settleHelper(deferred, replyFor(settled, `the result of helper ${helper.name}`)),
        (error: unknown) => {
          this.#noteHostError(error);
          this.#settleHelper(deferred, errorReply(error));
        },
      );
      return deferred.handle.dup();
    } finally {
      this.clock.start();
    }
  }

  /** Host side of `this.field.data`: reads the node through the environment, now. */
  readNode(ctx: QuickJSContext, indexHandle: QuickJSHandle): QuickJSHandle {
    this.clock.stop();
    try {
      if (this.clock.exceeded !== undefined)
        return ctx.newString(errorReply(new Error("the call was stopped")));
      const index = ctx.getNumber(indexHandle);
      const node = this.#nodes[index]!;
      let value: unknown;
      try {
        value = this.#env.readNode(node);
      } catch (error) {
        this.#noteHostError(error);
        return ctx.newString(errorReply(error));
      }
      return ctx.newString(replyFor(value, `the data of node this.${this.#nodeFields[index]}`));
    } finally {
      this.clock.start();
    }
  }

  /** A helper's promise settled: resolve its QuickJS promise, run jobs, see whether the call ended. */
  #settleHelper(deferred: QuickJSDeferredPromise, reply: string): void {
    const wanted = this.#deferreds.delete(deferred);
    if (!wanted || this.done || !this.#engine.usable) return;
    const ctx = this.#engine.context;
    try {
      const value = this.#q(() => ctx.newString(reply));
      // resolving runs no code (reactions are jobs): keep the interrupt handler out of it
      this.#engine.attach(undefined);
      try {
        this.#q(() => {
          deferred.resolve(value);
          value.dispose();
          deferred.dispose();
        });
      } finally {
        this.#engine.attach(this);
      }
      const drained = this.#drain();
      const outcome = drained ?? this.#settledOrPending();
      if (outcome !== undefined) this.#deliver(outcome);
    } catch (error) {
      this.#deliver(this.#faultOutcome(error));
    }
  }

  /**
   * Whether the call ran out of memory: the C heap could not grow during the call, or QuickJS
   * cannot allocate 256 KiB more now. Runs no user code.
   */
  #memoryExhausted(): boolean {
    if (this.#engine.instance.heapGrowthFailures() > this.#growthFailuresAtStart) return true;
    const ctx = this.#engine.context;
    this.#engine.attach(undefined);
    try {
      const probe = this.#q(() =>
        ctx.evalCode("new ArrayBuffer(262144).byteLength", "trace-ts:strict-probe", { type: "global" }),
      );
      const exhausted = probe.error !== undefined;
      this.#q(() => probe.dispose());
      return exhausted;
    } finally {
      this.#engine.attach(this);
    }
  }

  #noteHostError(error: unknown): void {
    this.#stopError ??= findStopError(error);
  }

  /** Decodes the wrapper's reply (`u`, `j<json>` or `e<json>`). */
  #decode(reply: string): CallOutcome {
    const { name, location, limits } = this.#core;
    const tag = reply[0];
    const body = reply.slice(1);
    if (tag === "u") return { ok: true, value: undefined };
    if (tag === "j") {
      try {
        return { ok: true, value: JSON.parse(body) as unknown };
      } catch {
        return { ok: false, error: new SandboxDataError(name, "the result", "it is malformed") };
      }
    }
    const failure = tag === "e" ? parseFailure(body) : undefined;
    if (failure === undefined)
      return { ok: false, error: new SandboxDataError(name, "the result", "it is malformed") };
    // QuickJS throws a bare null when it cannot even allocate the out-of-memory error
    if (failure.k === "v" && failure.text === "null" && this.#memoryExhausted()) {
      this.#abnormal = true;
      return { ok: false, error: new CodeMemoryError(name, limits.memoryBytes) };
    }
    if (isOutOfMemory(failure)) this.#abnormal = true;
    return { ok: false, error: hostErrorFor(name, failure, location, limits.memoryBytes) };
  }

  /**
   * The outcome for an exception that escaped the wrapper or a job: only what the prelude could
   * not catch gets there (an interrupt, running out of memory, a failure while describing).
   */
  #failure(errorHandle: QuickJSHandle): CallOutcome {
    this.#abnormal = true;
    const limitError = this.#limitError();
    let info: unknown;
    try {
      if (limitError === undefined) info = this.#q(() => this.#engine.context.dump(errorHandle));
    } catch (error) {
      return this.#faultOutcome(error);
    } finally {
      if (errorHandle.alive && !this.#engine.corrupt) this.#q(() => errorHandle.dispose());
    }
    if (limitError !== undefined) return { ok: false, error: limitError };
    const { name, location, limits } = this.#core;
    const record = typeof info === "object" && info !== null ? (info as Record<string, unknown>) : undefined;
    if (record !== undefined && typeof record.name === "string" && typeof record.message === "string") {
      const failure = {
        k: "e" as const,
        name: record.name,
        message: record.message,
        stack: typeof record.stack === "string" ? record.stack : "",
      };
      return { ok: false, error: hostErrorFor(name, failure, location, limits.memoryBytes) };
    }
    // QuickJS throws a bare value only when it could not even allocate the error object
    return { ok: false, error: new CodeMemoryError(name, limits.memoryBytes) };
  }

  /** The error for the limit the clock saw exceeded, if any. */
  #limitError(): unknown {
    const { name, limits } = this.#core;
    switch (this.clock.exceeded) {
      case "cpu":
        return new CodeTimeoutError(name, limits.cpuMs);
      case "wall":
        return new CodeTimeoutError(name, limits.wallMs);
      case "cancel":
        return this.#cancelError;
      default:
        return undefined;
    }
  }

  /** The outcome for a host exception escaping from QuickJS (the engine is now unusable). */
  #faultOutcome(error: unknown): CallOutcome {
    this.#abnormal = true;
    const limitError = this.#limitError();
    if (limitError !== undefined) return { ok: false, error: limitError };
    if (error instanceof EngineFault) {
      if (error.isStackOverflow)
        return { ok: false, error: codeError("RangeError", STACK_OVERFLOW_MESSAGE, "", this.#core.location) };
      return { ok: false, error: codeError("InternalError", error.message, "", this.#core.location) };
    }
    return { ok: false, error };
  }

  /** Ends an asynchronous call and reports the outcome. */
  #deliver(outcome: CallOutcome): void {
    if (this.done) return;
    this.onSettled?.(this.#finish(outcome));
  }

  /**
   * Records the outcome and frees the call's handles. A recorded run-stopping error wins over
   * everything; an abandoned call fails even if its code managed to finish.
   */
  #finish(outcome: CallOutcome): CallOutcome {
    if (this.#outcome !== undefined) return this.#outcome;
    let final = outcome;
    if (this.#stopError !== undefined) final = { ok: false, error: this.#stopError };
    else if (this.#cancelled) final = { ok: false, error: this.#cancelError };
    this.#outcome = final;
    this.#release();
    return final;
  }

  #release(): void {
    this.#engine.attach(undefined);
    if (this.#engine.corrupt) return;
    try {
      this.#q(() => {
        for (const deferred of this.#deferreds) if (deferred.alive) deferred.dispose();
        this.#deferreds.clear();
        for (let i = this.#handles.length - 1; i >= 0; i--) {
          const handle = this.#handles[i]!;
          if (handle.alive) handle.dispose();
        }
        this.#handles.length = 0;
      });
    } catch {
      this.#abnormal = true;
    }
  }
}
