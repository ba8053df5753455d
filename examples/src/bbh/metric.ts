/**
 * The BBH metric and the feedback sent backward. As in the Trace paper's BBH runs: when the
 * target is an option letter such as `(B)`, the last option letter in the output is compared
 * with it; otherwise the output must equal the target exactly (surrounding whitespace ignored).
 */
import { formatValue, truncateText } from "@trace-ts/core/optimizer";
import type { Guide } from "@trace-ts/trainer";

const OPTION = /\([A-Z]\)/g;
/** Most characters of an output quoted in feedback (the model wrote it: it may be long). */
const SHOWN_CHARS = 300;

/** The text an output is compared as: strings as they are, other values as JSON. */
const asText = (output: unknown): string => formatValue(output);

/**
 * Whether `output` is a correct answer for `target`.
 * @param output what the program returned
 * @param target the expected answer
 */
export function isCorrect(output: unknown, target: string): boolean {
  const text = asText(output).trim();
  const expected = target.trim();
  if (/^\([A-Z]\)$/.test(expected)) return (text.match(OPTION)?.at(-1) ?? "") === expected;
  return text === expected;
}

/**
 * The feedback for one output: `Correct.`, or `Incorrect: expected "<target>" but the output was
 * "<output>". …` saying what the answer must look like.
 * @param output what the program returned
 * @param target the expected answer
 */
export function answerFeedback(output: unknown, target: string): string {
  if (isCorrect(output, target)) return "Correct.";
  const rule = /^\([A-Z]\)$/.test(target.trim())
    ? "The last option letter such as (A) in the output is taken as the answer."
    : "The output must be exactly the expected answer, with no other words.";
  const shown = truncateText(JSON.stringify(asText(output)), SHOWN_CHARS);
  return `Incorrect: expected ${JSON.stringify(target)} but the output was ${shown}. ${rule}`;
}

/** The guide of the protocol: score 1 or 0 with `answerFeedback`; its best score is 1. */
export function bbhGuide(): Guide<unknown, string, string> {
  return {
    name: "bbh-match",
    maxScore: 1,
    check(output, example) {
      const target = example.target ?? "";
      const correct = isCorrect(output, target);
      return { score: correct ? 1 : 0, feedback: answerFeedback(output, target) };
    },
  };
}
