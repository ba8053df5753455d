/**
 * Scripted optimizer answers (OptoPrime's JSON format) for running the traffic example without a
 * language model. They are a fixed sequence of timings written for the default scenario (busy
 * north–south, light east–west); they drive the mechanics — parsing, the constraint refusing a
 * value, re-asking, applying, feedback, best-so-far — and say nothing about what a model would do.
 */
import type { GenerateRequest } from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import { optoPrimeRequestInfo } from "@trace-ts/optoprime";
import type { Direction } from "./simulator.js";

/** One scripted proposal: green seconds per approach and the reasoning given with them. */
export interface ScriptedProposal {
  readonly northSouth: number;
  readonly eastWest: number;
  readonly reasoning: string;
  /** The answer to the re-ask when this proposal is refused (e.g. out of range). */
  readonly onRefusal?: ScriptedProposal;
}

/**
 * The scripted proposals, one per step: the second asks for 95 s, which the [15, 90] constraint
 * refuses (the re-ask is answered with 60 s); the fourth is worse than the third, so the best so
 * far stays; after the fifth the script has nothing left and answers TERMINATE.
 */
export const SCRIPTED_PROPOSALS: readonly ScriptedProposal[] = [
  {
    northSouth: 45,
    eastWest: 25,
    reasoning:
      "North–south has far more arrivals and most of its vehicles are still queued at the end, while east–west clears: move green from east–west to north–south.",
  },
  {
    northSouth: 95,
    eastWest: 20,
    reasoning: "North–south still waits longest: give it much more green.",
    onRefusal: {
      northSouth: 60,
      eastWest: 20,
      reasoning:
        "95 s is outside the allowed range; 60 s is within it and still gives north–south more green.",
    },
  },
  {
    northSouth: 50,
    eastWest: 20,
    reasoning:
      "Now east–west waits longest and its queue grows: 60 s for north–south was too much. Take some back.",
  },
  {
    northSouth: 55,
    eastWest: 25,
    reasoning: "Try a longer cycle with a little more green for both approaches.",
  },
  {
    northSouth: 60,
    eastWest: 25,
    reasoning: "The longer cycle did not help east–west enough; give north–south a bit more within it.",
  },
];

function answer(keys: Readonly<Record<Direction, string>>, p: ScriptedProposal): string {
  return JSON.stringify({
    reasoning: p.reasoning,
    answer: "",
    suggestion: { [keys.northSouth]: p.northSouth, [keys.eastWest]: p.eastWest },
  });
}

const DONE = JSON.stringify({
  reasoning: "No further timing to try. TERMINATE",
  answer: "TERMINATE",
  suggestion: {},
});

/**
 * A `ScriptedModel` answering OptoPrime's proposals with {@link SCRIPTED_PROPOSALS} in order (a
 * re-ask gets the refused proposal's `onRefusal`, or the same proposal again when it has none),
 * then TERMINATE.
 *
 * @param keys the parameters' keys, which the suggestions must use
 * @param proposals the sequence (default {@link SCRIPTED_PROPOSALS})
 */
export function scriptedTrafficModel(
  keys: Readonly<Record<Direction, string>>,
  proposals: readonly ScriptedProposal[] = SCRIPTED_PROPOSALS,
): ScriptedModel {
  let asked = 0;
  return new ScriptedModel(
    (request: GenerateRequest) => {
      const info = optoPrimeRequestInfo(request);
      if (info === undefined) return "These scripted answers are written for OptoPrime only.";
      if (info.retry === 0) asked++;
      let proposal = proposals[asked - 1];
      if (proposal === undefined) return DONE;
      for (let r = 0; r < info.retry; r++) proposal = proposal.onRefusal ?? proposal;
      return answer(keys, proposal);
    },
    { modelId: "scripted-traffic" },
  );
}
