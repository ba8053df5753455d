/**
 * The contract between the bundle layer and the engines that run suggested code.
 *
 * Suggested (recompiled) code of a trainable bundle runs in one of two isolation tiers:
 * - `realm`: an in-process V8 context (`node:vm`), hardened so that no host object is reachable
 *   unless the user hands one in (see `realm-runner.ts`);
 * - `strict`: a separate WebAssembly JavaScript engine (QuickJS) with memory, stack and time limits,
 *   where only JSON-like data crosses (see `strict/`).
 *
 * Both turn the same failures into the same typed errors, so optimizers and the trainer never need
 * to know which tier ran the code.
 */

/** Which engine runs suggested code: an in-process V8 context, or a separate QuickJS engine. */
export type IsolationLevel = "realm" | "strict";

/** Every isolation level, weakest first. */
export const ISOLATION_LEVELS: readonly IsolationLevel[] = ["realm", "strict"];

/** The stronger of two isolation levels. */
export function strongerIsolation(a: IsolationLevel, b: IsolationLevel): IsolationLevel {
  return ISOLATION_LEVELS.indexOf(a) >= ISOLATION_LEVELS.indexOf(b) ? a : b;
}

/** Limits one call of suggested code runs under. */
export interface RunLimits {
  /**
   * Time the code may spend *running* in one call, in milliseconds (Infinity: no limit). Time spent
   * awaiting a host helper (a model call) does not count.
   */
  readonly cpuMs: number;
  /** Wall-clock cap of one whole call, awaits included, in milliseconds (Infinity: none). */
  readonly wallMs: number;
  /** Memory cap of the engine, in bytes (`strict` only; the `realm` tier shares the host heap). */
  readonly memoryBytes: number;
}

/**
 * Reads of `this` that the bundle layer must see. In `strict`, `this` is a read-only snapshot of
 * the instance's data fields; a field that holds a graph node appears as an object whose `data`
 * is read through `readNode`, so the read is recorded exactly as a read of `node.data` in the host
 * (an undeclared dependency, or an extra input `__dep<i>`).
 */
export interface CallEnvironment {
  /** Reads a node's data in the host as the call's body would (records the read). */
  readNode(node: object): unknown;
}

/**
 * Suggested code compiled for one tier: one instance per bundle definition and distinct source.
 */
export interface CodeRunner {
  /** The tier that runs it. */
  readonly isolation: IsolationLevel;
  /** The script name its stack frames carry (errors name it, e.g. `trace-code:greet@3`). */
  readonly filename: string;
  /** Whether the function is async (a call then returns a Promise). */
  readonly isAsync: boolean;
  /**
   * The 1-based line of the suggested source that a 1-based line of this runner's script comes
   * from, or undefined for lines the runner added.
   */
  sourceLineOf(scriptLine: number): number | undefined;
  /**
   * Calls the function with `self` as `this`. Returns host-realm data (a Promise of it when async).
   * Throws (or rejects with) host-realm errors only: `CodeTimeoutError`, `CodeMemoryError`,
   * `SandboxDataError`, a run-stopping error a bridged helper raised (rethrown intact whatever the
   * sandboxed code did with it), or the sandboxed code's own error converted to a host `Error` whose
   * `stack` text names `filename` with script line numbers.
   */
  call(self: unknown, args: readonly unknown[], env: CallEnvironment): unknown;
  /**
   * Each parameter's value with defaults applied, for naming a call's inputs; undefined when that
   * cannot be known cheaply and safely.
   */
  bind(self: unknown, args: readonly unknown[]): unknown[] | undefined;
  /** Releases engine resources. Calls after this throw. */
  dispose(): void;
}
