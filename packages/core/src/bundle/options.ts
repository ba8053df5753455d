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
   */
  readonly scope?: () => Readonly<Record<string, unknown>>;
  /**
   * Time limit for suggested (recompiled) code, in milliseconds: the longest it may run without
   * finishing or yielding (per call for a synchronous function, per stretch between `await`s for an
   * async one). Default 5000 for trainable bundles; `Infinity` turns it off. Setting it explicitly
   * also runs synchronous suggested code under vm's hard timeout (see docs/bundle.md).
   */
  readonly timeoutMs?: number;
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
  /** Whether synchronous suggested code also runs under vm's hard timeout. */
  readonly hardTimeout: boolean;
}

/** Default time limit of suggested code (ms). */
export const DEFAULT_TIMEOUT_MS = 5000;

const SCHEMA = {
  trainable: "boolean",
  description: "string",
  name: "string",
  catchErrors: "boolean",
  allowExternalDependencies: "boolean",
  traceInside: "boolean",
  scope: "function",
  timeoutMs: "number",
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
    hardTimeout: o.timeoutMs !== undefined && Number.isFinite(o.timeoutMs),
  };
}
