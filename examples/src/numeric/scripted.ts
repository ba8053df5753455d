/** Scripted optimizer answers for running the example without a language model. */
import { ScriptedModel } from "@trace-ts/core/testing";

/** Scripted optimizer answers: first an overshoot, then the right rate. */
export function scriptedRateModel(rateKey: string): ScriptedModel {
  const answer = (rate: number, reasoning: string) =>
    JSON.stringify({ reasoning, answer: "", suggestion: { [rateKey]: rate } });
  return new ScriptedModel([
    answer(3, "Every quote is too low and the gap grows with weight, so the rate per kilogram is too small."),
    answer(
      2.5,
      "Now every quote is too high by 0.5 per kilogram: (10-5)/2 = 2.5, (15-5)/4 = 2.5, (30-5)/10 = 2.5.",
    ),
  ]);
}
