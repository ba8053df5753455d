/** Scripted optimizer answers for running the example without a language model. */
import { ScriptedModel } from "@trace-ts/core/testing";

/** Scripted optimizer answers: a partial fix (in TypeScript), then a complete one. */
export function scriptedRepairModel(codeKey: string): ScriptedModel {
  const answer = (code: string, reasoning: string) =>
    JSON.stringify({ reasoning, answer: "", suggestion: { [codeKey]: code } });
  return new ScriptedModel([
    answer(
      "median(values: readonly number[]): number {\n  const sorted = [...values].sort();\n  return sorted[Math.floor(sorted.length / 2)]!;\n}",
      "The values are never sorted, so the middle element is arbitrary. Sort a copy first.",
    ),
    answer(
      "median(values: readonly number[]): number {\n  const sorted = [...values].sort((a, b) => a - b);\n  const mid = Math.floor(sorted.length / 2);\n  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;\n}",
      'sort() without a comparator compares numbers as text ("10" < "2" < "9"), and an even count needs the mean of the two middle values.',
    ),
  ]);
}
