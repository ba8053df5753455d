import { InvalidOptionError } from "../errors/graph-errors.js";
import { ISOLATION_LEVELS, type IsolationLevel, strongerIsolation } from "./runner.js";

/**
 * Which isolation tier runs a bundle's suggested code. A bundle asks for one (`isolation`, default
 * `realm`); the process default (`TRACE_ISOLATION` or `setDefaultIsolation`) and an optimizer or
 * trainer (`requireIsolation`) can raise it, never lower it.
 */

let processDefault: IsolationLevel | undefined;
let fromEnv: IsolationLevel | undefined;
const required = new WeakMap<object, IsolationLevel>();

/** Whether a value names an isolation level. */
export function isIsolationLevel(value: unknown): value is IsolationLevel {
  return typeof value === "string" && (ISOLATION_LEVELS as readonly string[]).includes(value);
}

/**
 * Checks an isolation option.
 *
 * @param where who was given it, for the error message
 * @param name the option's name
 * @throws InvalidOptionError
 */
export function checkIsolation(where: string, name: string, value: unknown): IsolationLevel {
  if (!isIsolationLevel(value)) {
    throw new InvalidOptionError(
      where,
      name,
      `must be one of ${ISOLATION_LEVELS.map((l) => `"${l}"`).join(", ")}, got ${JSON.stringify(value) ?? String(value)}`,
    );
  }
  return value;
}

/**
 * The process-wide minimum isolation: `setDefaultIsolation()` if called, else `TRACE_ISOLATION`
 * (read once, at first use), else `realm`.
 *
 * @throws InvalidOptionError when `TRACE_ISOLATION` holds an unknown level
 */
export function defaultIsolation(): IsolationLevel {
  if (processDefault !== undefined) return processDefault;
  if (fromEnv === undefined) {
    const env = process.env.TRACE_ISOLATION;
    fromEnv =
      env === undefined || env.trim() === ""
        ? "realm"
        : checkIsolation("the environment", "TRACE_ISOLATION", env.trim().toLowerCase());
  }
  return fromEnv;
}

/**
 * Sets the process-wide minimum isolation (overrides `TRACE_ISOLATION`; `undefined` goes back to
 * the environment, read again). Bundles that ask for a stronger tier keep it.
 */
export function setDefaultIsolation(level: IsolationLevel | undefined): void {
  fromEnv = undefined;
  processDefault = level === undefined ? undefined : checkIsolation("setDefaultIsolation", "level", level);
}

/**
 * Raises the isolation of one trainable code parameter (what an optimizer or trainer with an
 * `isolation` option does for the code parameters it may change). A weaker level than one already
 * required changes nothing.
 */
export function requireIsolation(parameter: object, level: IsolationLevel): void {
  checkIsolation("requireIsolation", "level", level);
  const current = required.get(parameter);
  required.set(parameter, current === undefined ? level : strongerIsolation(current, level));
}

/**
 * The tier that runs suggested code: the strongest of what the bundle asked for, the process
 * default and what was required for its code parameter.
 */
export function effectiveIsolation(asked: IsolationLevel, parameter: object | undefined): IsolationLevel {
  let level = strongerIsolation(asked, defaultIsolation());
  const extra = parameter === undefined ? undefined : required.get(parameter);
  if (extra !== undefined) level = strongerIsolation(level, extra);
  return level;
}
