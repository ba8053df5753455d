import { clause } from "../errors/clause.js";
import { TraceError } from "../errors/trace-error.js";

/**
 * Options of a `StateFormatError`: the standard `ErrorOptions` (`cause`) plus `advice`. Shown
 * inline in the constructor's documentation.
 *
 * @inline
 */
export interface StateFormatErrorOptions extends ErrorOptions {
  /**
   * What to do, as a sentence (default: pass the object returned by `state()`); the message
   * always ends with "nothing was changed".
   */
  readonly advice?: string;
}

/**
 * A state could not be read: not JSON, not a trace-ts model state (wrong `format` or `version`), or
 * a missing or unreadable file. Thrown by models and by bundled functions alike.
 */
export class StateFormatError extends TraceError {
  /** @param problem what is wrong and where */
  constructor(problem: string, options: StateFormatErrorOptions = {}) {
    const { advice, ...errorOptions } = options;
    super(
      "STATE_FORMAT",
      `${clause(problem)}. ${clause(advice ?? "Pass the object returned by state() (or its JSON text)")}; nothing was changed.`,
      errorOptions,
    );
  }
}

/**
 * A state does not fit the model or bundled function it is loaded into: unknown or missing
 * parameter names, or a code/value mix-up.
 */
export class StateMismatchError extends TraceError {
  /** Names in the state that the target does not have. */
  readonly unknown: readonly string[];
  /** Names the target has that the state lacks. */
  readonly missing: readonly string[];

  /**
   * @param target the model's class name or the bundle's name
   * @param unknown names in the state the target does not have
   * @param missing names the target has that the state lacks
   * @param other further problems (e.g. a kind mismatch)
   * @param origin where a fitting state comes from (default `the same model class`)
   */
  constructor(
    target: string,
    unknown: readonly string[],
    missing: readonly string[],
    other: readonly string[] = [],
    origin = "the same model class",
  ) {
    const parts: string[] = [];
    if (unknown.length > 0) parts.push(`unknown parameter(s) ${unknown.join(", ")}`);
    if (missing.length > 0) parts.push(`missing parameter(s) ${missing.join(", ")}`);
    parts.push(...other);
    super(
      "STATE_MISMATCH",
      `state does not fit ${target}: ${parts.map(clause).join("; ")}. Load a state saved from ${origin}${
        missing.length > 0 && unknown.length === 0
          ? ", or pass { allowMissing: true } to keep the current values of missing parameters"
          : ""
      }; nothing was changed.`,
    );
    this.unknown = unknown;
    this.missing = missing;
  }
}

/** A parameter value cannot be saved as JSON, or a loaded value was rejected by its parameter. */
export class StateValueError extends TraceError {
  /** One message per offending parameter. */
  readonly problems: readonly string[];

  /** @param problems one message per offending parameter */
  constructor(problems: readonly string[]) {
    super("STATE_VALUE", `${problems.map(clause).join("; ")}; nothing was changed.`);
    this.problems = problems;
  }
}
