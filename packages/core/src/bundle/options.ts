import { checkIsolation, defaultIsolation } from "../code/isolation.js";
import type { IsolationLevel } from "../code/runner.js";
import { InvalidOptionError } from "../errors/graph-errors.js";
import { validateOptions } from "../util/options.js";

/** Options of `bundle(fn, options)` and `@bundle(options)`. */
export interface BundleOptions {
  /**
   * Make the function's source code a trainable `ParameterNode` (key like `__code0`) that an
   * optimizer may rewrite (default false).
   */
  readonly trainable?: boolean;
  /** What the function does, shown to optimizers as the operation's documentation. */
  readonly description?: string;
  /** Operation name in the graph (default: the function's or method's name). */
  readonly name?: string;
  /**
   * Turn an error thrown by the body into an `ExceptionNode`, thrown as `ExecutionError`
   * (default true). With false the original error propagates and nothing is recorded.
   */
  readonly catchErrors?: boolean;
  /**
   * Allow the body to read nodes it was not given as arguments (default false: that throws
   * `UndeclaredDependencyError`). Allowed reads are recorded as extra inputs `__dep0`, `__dep1`….
   */
  readonly allowExternalDependencies?: boolean;
  /**
   * Run the body with tracing on and pass it nodes instead of plain values, so it builds an inner
   * graph (default false). Trainable parameters the body used without receiving them become extra
   * inputs of the result (`__dep0`…), so backward still reaches them.
   */
  readonly traceInside?: boolean;
  /**
   * The names suggested code may use besides its parameters, `this` and JavaScript's built-ins,
   * as a thunk evaluated when code is compiled: `scope: () => ({ clamp, OFFSET })`. A thunk, not an
   * object, because decorator arguments run before later `const`s are initialized.
   *
   * When the original code of a trainable bundle reads names of the program (an imported helper
   * such as `callLLM`, a module function or constant) that are not built-ins and not in `scope`,
   * the first call (or the creation of the code parameter) emits one warning per bundle through
   * `process.emitWarning`, type `TraceWarning`, code `TRACE_BUNDLE_FREE_NAMES`, naming them and the
   * `scope` to pass: rewritten code could not see them. A `ReferenceError` in rewritten code says
   * the same.
   */
  readonly scope?: () => Readonly<Record<string, unknown>>;
  /**
   * Time limit for suggested (recompiled) code, in milliseconds: how long one call may spend
   * *running* (time spent awaiting a host helper such as a model call does not count). Default 5000
   * for trainable bundles; `Infinity` turns it off. See "Security" in docs/bundle.md.
   */
  readonly timeoutMs?: number;
  /**
   * Where suggested (recompiled) code runs (default `realm`): `realm`, a hardened in-process V8
   * context; `strict`, a separate QuickJS engine with memory, stack and time limits where only
   * JSON-like data crosses. `TRACE_ISOLATION` and optimizer or trainer options can raise it, never
   * lower it. See "Security" in docs/bundle.md.
   */
  readonly isolation?: IsolationLevel;
  /**
   * Wall-clock cap of one call of suggested code, awaits included, in milliseconds (default
   * 600000; `Infinity` turns it off). `timeoutMs` bounds the time the code runs; this bounds the
   * whole call.
   */
  readonly wallTimeoutMs?: number;
  /** Memory limit of the `strict` engine, in bytes (default 64 MiB). */
  readonly memoryLimitBytes?: number;
}

/** `BundleOptions` with defaults applied. */
export interface ResolvedBundleOptions {
  readonly trainable: boolean;
  readonly description: string | undefined;
  readonly name: string | undefined;
  readonly catchErrors: boolean;
  readonly allowExternalDependencies: boolean;
  readonly traceInside: boolean;
  readonly scope: (() => Readonly<Record<string, unknown>>) | undefined;
  /** Loop-guard budget for suggested code (ms; Infinity: none). */
  readonly budgetMs: number;
  /** The isolation tier the bundle asks for. */
  readonly isolation: IsolationLevel;
  /** Wall-clock cap of one call (ms; Infinity: none). */
  readonly wallMs: number;
  /** Memory limit of the strict engine (bytes). */
  readonly memoryBytes: number;
}

/** Default time limit of suggested code (ms). */
export const DEFAULT_TIMEOUT_MS = 5000;
/** Default wall-clock cap of one call of suggested code (ms). */
export const DEFAULT_WALL_TIMEOUT_MS = 600_000;
/** Default memory limit of the strict engine (bytes). */
export const DEFAULT_MEMORY_LIMIT_BYTES = 64 * 1024 * 1024;

const SCHEMA = {
  trainable: "boolean",
  description: "string",
  name: "string",
  catchErrors: "boolean",
  allowExternalDependencies: "boolean",
  traceInside: "boolean",
  scope: "function",
  timeoutMs: "number",
  isolation: "string",
  wallTimeoutMs: "number",
  memoryLimitBytes: "number",
} as const;

/**
 * Checks bundle options (unknown names, wrong types, a non-positive `timeoutMs`, `timeoutMs`
 * without `trainable`) and applies the defaults.
 *
 * @param where `bundle()` or `@bundle` with the function name, for error messages
 * @param options the user's options
 * @throws InvalidOptionError
 */
export function resolveBundleOptions(where: string, options: unknown): ResolvedBundleOptions {
  validateOptions(where, options, SCHEMA);
  const o = (options ?? {}) as BundleOptions;
  if (o.timeoutMs !== undefined) {
    if (!(o.timeoutMs > 0))
      throw new InvalidOptionError(
        where,
        "timeoutMs",
        `must be a positive number of milliseconds or Infinity, got ${o.timeoutMs}`,
      );
    if (o.trainable !== true) {
      throw new InvalidOptionError(
        where,
        "timeoutMs",
        "only limits suggested (recompiled) code, so it needs trainable: true; the original function runs unchanged",
      );
    }
  }
  if (o.name !== undefined && o.name.trim() === "")
    throw new InvalidOptionError(where, "name", "must not be empty");
  if (o.wallTimeoutMs !== undefined && !(o.wallTimeoutMs > 0))
    throw new InvalidOptionError(
      where,
      "wallTimeoutMs",
      `must be a positive number of milliseconds or Infinity, got ${o.wallTimeoutMs}`,
    );
  if (
    o.memoryLimitBytes !== undefined &&
    !(Number.isFinite(o.memoryLimitBytes) && o.memoryLimitBytes >= 1048576)
  )
    throw new InvalidOptionError(
      where,
      "memoryLimitBytes",
      `must be a finite number of bytes, at least 1048576 (1 MiB), got ${o.memoryLimitBytes}`,
    );
  const isolation = o.isolation === undefined ? "realm" : checkIsolation(where, "isolation", o.isolation);
  if (o.trainable === true) defaultIsolation(); // a bad TRACE_ISOLATION fails here, not as feedback later
  const budgetMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    trainable: o.trainable ?? false,
    description: o.description,
    name: o.name,
    catchErrors: o.catchErrors ?? true,
    allowExternalDependencies: o.allowExternalDependencies ?? false,
    traceInside: o.traceInside ?? false,
    scope: o.scope,
    budgetMs,
    isolation,
    wallMs: o.wallTimeoutMs ?? DEFAULT_WALL_TIMEOUT_MS,
    memoryBytes: o.memoryLimitBytes ?? DEFAULT_MEMORY_LIMIT_BYTES,
  };
}
