/** The exact-match guide: score 1 when the output equals the example's target, else 0. */
import { formatValue, truncateText } from "@trace-ts/core/optimizer";
import { GuideError } from "../errors.js";
import type { Guide, GuideResult } from "./types.js";

/** Options of `exactMatch`. */
export interface ExactMatchOptions {
  /** Ignore surrounding whitespace (default true). */
  readonly trim?: boolean;
  /** Compare letters case-sensitively (default true). */
  readonly caseSensitive?: boolean;
  /**
   * Turns a value (output or target) into the text compared (applied before `trim` and case
   * folding). Default: strings as they are, other values as JSON.
   */
  readonly normalize?: (value: unknown) => string;
  /** Name for logs (default `exact-match`). */
  readonly name?: string;
}

/**
 * A guide that compares the output with the example's `target`: score 1 and "Correct." when they
 * are equal (after the normalization options), score 0 and feedback naming both values when not.
 * An example without a target is an error (`GuideError`).
 *
 * @example
 * const g = exactMatch({ caseSensitive: false });
 * g.check("Paris ", { input: "Capital of France?", target: "paris" }, { index: 0 }); // score 1
 *
 * @param options normalization and name
 */
export function exactMatch<O = unknown, I = unknown, T = unknown>(
  options: ExactMatchOptions = {},
): Guide<O, I, T> {
  const name = options.name ?? "exact-match";
  const trim = options.trim ?? true;
  const caseSensitive = options.caseSensitive ?? true;
  const text = (value: unknown): string => {
    let t = options.normalize
      ? options.normalize(value)
      : typeof value === "string"
        ? value
        : formatValue(value);
    if (trim) t = t.trim();
    if (!caseSensitive) t = t.toLowerCase();
    return t;
  };
  return {
    name,
    maxScore: 1,
    check(output, example): GuideResult {
      if (example.target === undefined) {
        throw new GuideError(
          name,
          "the example has no target to compare with (give each example a 'target')",
        );
      }
      if (text(output) === text(example.target)) return { score: 1, feedback: "Correct." };
      const shown = (v: unknown) => truncateText(JSON.stringify(formatValue(v)), 300);
      return {
        score: 0,
        feedback: `Incorrect: expected ${shown(example.target)} but the output was ${shown(output)}.`,
      };
    },
  };
}
