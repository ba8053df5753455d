import { TraceError } from "../errors/trace-error.js";
import { instantiate, type PreparedCode, type RealmInstance } from "./compile.js";
import { CodeMemoryError, CodeTimeoutError } from "./errors.js";
import type { CallEnvironment, CodeRunner, RunLimits } from "./runner.js";
import { realmHeapLimitBytes } from "./sandbox.js";

/** Options of `createRealmRunner`. */
export interface RealmRunnerOptions {
  /** The function's name (error messages). */
  readonly name: string;
  /** The checked, compiled code. */
  readonly prepared: PreparedCode;
  /** Values for the scope names. */
  readonly scope: Readonly<Record<string, unknown>>;
  /** Run-time and wall-clock limits (the realm shares the host heap: see `sandbox.ts`). */
  readonly limits: RunLimits;
}

/** How many idle sandbox instances a runner keeps for reuse. */
const IDLE_INSTANCES = 4;

/**
 * Runs suggested code in `realm` sandboxes (see `sandbox.ts`). Each call takes an instance of its
 * own — concurrent async calls never share a sandbox, so each has its own run-time clock — and
 * gives it back when it ends; an instance whose limit fired is dropped, so code abandoned after a
 * timeout stops at its next guard and never runs again.
 */
export class RealmRunner implements CodeRunner {
  readonly isolation = "realm" as const;
  readonly filename: string;
  readonly isAsync: boolean;
  readonly #options: RealmRunnerOptions;
  readonly #idle: RealmInstance[] = [];
  #disposed = false;

  /** @param options what to run and how */
  constructor(options: RealmRunnerOptions) {
    this.#options = options;
    this.filename = options.prepared.filename;
    this.isAsync = options.prepared.parsed.shape.isAsync;
    this.#idle.push(instantiate(options.prepared, options.scope));
  }

  sourceLineOf(scriptLine: number): number | undefined {
    return this.#options.prepared.sourceLineOf(scriptLine);
  }

  call(self: unknown, args: readonly unknown[], _env: CallEnvironment): unknown {
    const inst = this.#acquire();
    const { sandbox, fn } = inst;
    const { runtime, membrane } = sandbox;
    const { limits, name } = this.#options;
    membrane.beginCall();
    runtime.begin(limits.cpuMs);
    let result: unknown;
    try {
      const sbSelf = self === undefined ? undefined : membrane.toSandbox(self);
      const sbArgs = args.map((a) => membrane.toSandbox(a));
      result = Reflect.apply(fn, sbSelf, sbArgs);
    } catch (error) {
      throw this.#end(inst, this.#failure(inst, error));
    }
    if (!this.isAsync) {
      let value: unknown;
      try {
        value = sandbox.exportValue(result, "the result");
      } catch (error) {
        throw this.#end(inst, this.#failure(inst, error));
      }
      if (runtime.isDead()) throw this.#end(inst, new CodeTimeoutError(name, limits.cpuMs));
      const stop = this.#end(inst, undefined);
      if (stop !== undefined) throw stop;
      return value;
    }
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = Number.isFinite(limits.wallMs)
        ? setTimeout(() => {
            if (settled) return;
            settled = true;
            runtime.kill(); // the abandoned code stops at its next guard
            reject(this.#end(inst, new CodeTimeoutError(name, limits.wallMs)));
          }, limits.wallMs)
        : undefined;
      timer?.unref?.();
      const finish = (outcome: () => unknown, failed: boolean): void => {
        if (settled) return;
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
        let value: unknown;
        let error: unknown;
        let ok = !failed;
        try {
          value = outcome();
        } catch (e) {
          ok = false;
          error = this.#failure(inst, e);
        }
        if (failed) error = value;
        if (ok && runtime.isDead()) {
          ok = false;
          error = new CodeTimeoutError(name, limits.cpuMs);
        }
        const stop = this.#end(inst, ok ? undefined : error);
        if (stop !== undefined) reject(stop);
        else if (ok) resolve(value);
        else reject(error);
      };
      try {
        runtime.settle(
          result,
          (v) => finish(() => sandbox.exportValue(v, "the result"), false),
          (e) => finish(() => this.#failure(inst, e), true),
        );
      } catch (error) {
        finish(() => this.#failure(inst, error), true);
      }
    });
  }

  bind(_self: unknown, args: readonly unknown[]): unknown[] | undefined {
    let inst: RealmInstance | undefined;
    try {
      inst = this.#acquire();
      const bind = inst.bind;
      if (bind === undefined) return undefined;
      const { runtime, membrane } = inst.sandbox;
      membrane.beginCall();
      runtime.begin(this.#options.limits.cpuMs);
      const sbArgs = args.map((a) => membrane.toSandbox(a));
      return inst.sandbox.exportValue(Reflect.apply(bind, undefined, sbArgs), "the parameters") as unknown[];
    } catch {
      return undefined;
    } finally {
      if (inst !== undefined) this.#end(inst, undefined);
    }
  }

  dispose(): void {
    this.#disposed = true;
    for (const inst of this.#idle) inst.sandbox.runtime.kill();
    this.#idle.length = 0;
  }

  #acquire(): RealmInstance {
    if (this.#disposed)
      throw new TraceError(
        "RUNNER_DISPOSED",
        `the compiled code of ${this.#options.name} was released; set the code again`,
      );
    return this.#idle.pop() ?? instantiate(this.#options.prepared, this.#options.scope);
  }

  /**
   * Ends a call on an instance: revokes its proxies and gives it back (unless a limit fired).
   *
   * @returns the run-stopping error a helper raised, which replaces any other outcome
   */
  #end(inst: RealmInstance, error: unknown): unknown {
    const stop = inst.sandbox.membrane.endCall();
    if (!inst.sandbox.runtime.isDead() && !this.#disposed && this.#idle.length < IDLE_INSTANCES)
      this.#idle.push(inst);
    return stop ?? error;
  }

  /** A host error for whatever a call threw (never reading a sandbox value from the host). */
  #failure(inst: RealmInstance, error: unknown): unknown {
    const { sandbox } = inst;
    const { name, limits } = this.#options;
    if (sandbox.isTimeout(error) || (sandbox.runtime.isDead() && !sandbox.isMemory(error))) {
      const timeout = new CodeTimeoutError(name, limits.cpuMs);
      attachOrigin(timeout, sandbox.runtime.exportError(error));
      return timeout;
    }
    if (sandbox.isMemory(error)) {
      const memory = new CodeMemoryError(name, realmHeapLimitBytes());
      attachOrigin(memory, sandbox.runtime.exportError(error));
      return memory;
    }
    if (sandbox.isOutside(error)) return error;
    return sandbox.runtime.exportError(error);
  }
}

/**
 * The error that a limit replaced (with the stack of the sandboxed code at that moment), so that
 * the failing line can still be marked.
 */
const origins = new WeakMap<object, Error>();

function attachOrigin(error: Error, origin: Error): void {
  origins.set(error, origin);
}

/** The sandbox error a limit error replaced (its stack shows where the code was), if any. */
export function limitOrigin(error: unknown): Error | undefined {
  return typeof error === "object" && error !== null ? origins.get(error) : undefined;
}
