import { InvalidOptionError } from "../errors/graph-errors.js";

/** The runtime type an option must have. */
export type OptionKind = "boolean" | "string" | "number" | "function" | "object" | "integer";

/** Describes the options a function accepts: option name → expected kind. */
export type OptionSchema = Readonly<Record<string, OptionKind>>;

/**
 * Checks an options object against a schema and throws `InvalidOptionError` for a non-object,
 * an unknown option name (usually a typo) or a value of the wrong kind. `undefined` values are
 * treated as absent.
 *
 * @param where the function receiving the options, used in the error message
 * @param options the user's options (may be undefined)
 * @param schema allowed option names and their kinds
 */
export function validateOptions(where: string, options: unknown, schema: OptionSchema): void {
  if (options === undefined) return;
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new InvalidOptionError(
      where,
      "(options)",
      `must be an object, got ${options === null ? "null" : typeof options}`,
    );
  }
  for (const [name, value] of Object.entries(options)) {
    const kind = schema[name];
    if (kind === undefined) {
      const known = Object.keys(schema).join(", ");
      throw new InvalidOptionError(where, name, `is not a known option (known: ${known})`);
    }
    if (value === undefined) continue;
    if (!matchesKind(value, kind)) {
      throw new InvalidOptionError(where, name, `must be ${article(kind)}, got ${kindOf(value)}`);
    }
  }
}

function matchesKind(value: unknown, kind: OptionKind): boolean {
  switch (kind) {
    case "integer":
      return Number.isInteger(value);
    case "number":
      return typeof value === "number" && !Number.isNaN(value);
    case "object":
      return value !== null && typeof value === "object";
    default:
      return typeof value === kind;
  }
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `${article(typeof value)} (${typeof value === "string" ? JSON.stringify(value) : String(value).slice(0, 30)})`;
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`;
}
