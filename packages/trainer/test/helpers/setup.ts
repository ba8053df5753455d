/** Shared set-ups for training tests. */
import { graphScope, type LanguageModel, type ParameterNode } from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import { type Example, guide, type RunLogRecord } from "@trace-ts/trainer";
import { JsonOptimizer, multiplier, promptVariables, userText } from "./agents.js";

/** Score of output `out` for target `t`: 1 - relative error (floored at 0), with a hint as feedback. */
export const closeness = guide(
  (out: number, example: Example<number, number>) => {
    const t = example.target!;
    const score = Math.max(0, 1 - Math.abs(out - t) / Math.abs(t));
    const feedback =
      out === t
        ? "Correct."
        : out > t
          ? `Too big: got ${out}, expected ${t}.`
          : `Too small: got ${out}, expected ${t}.`;
    return { score, feedback };
  },
  { name: "closeness" },
);

/** Examples x → factor·x for x = 1…n. */
export function scaled(factor: number, n: number, from = 1): Example<number, number>[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `x${i + from}`,
    input: i + from,
    target: factor * (i + from),
  }));
}

/**
 * A multiplier agent (created in a fresh naming scope, so its parameter is always `factor:0`)
 * and a JsonOptimizer whose scripted model answers `respond(currentFactor, callIndex, prompt)`
 * (undefined: no suggestion).
 */
export function multiplierSetup(
  initial: number,
  respond: (current: number, callIndex: number, prompt: string) => number | undefined,
  options: {
    wrap?: (model: LanguageModel) => LanguageModel;
    latencyMs?: number;
    usage?: { inputTokens: number; outputTokens: number };
  } = {},
) {
  const agent = graphScope(() => multiplier(initial));
  const model = new ScriptedModel(
    (request, index) => {
      const prompt = userText(request.messages);
      const value = respond(promptVariables(prompt)[agent.factor.key] as number, index, prompt);
      const text = JSON.stringify({ suggestion: value === undefined ? {} : { [agent.factor.key]: value } });
      return options.usage ? { text, usage: options.usage } : text;
    },
    { latencyMs: options.latencyMs ?? 0 },
  );
  const optimizer = new JsonOptimizer([agent.factor], { model: options.wrap ? options.wrap(model) : model });
  return { agent, model, optimizer, forward: (x: number) => agent.forward(x) };
}

/** Collects records passed to `onRecord`. */
export function recorder() {
  const records: RunLogRecord[] = [];
  return { records, onRecord: (r: RunLogRecord) => void records.push(r) };
}

/** Values of parameters. */
export function valuesOf(parameters: readonly ParameterNode[]): unknown[] {
  return parameters.map((p) => p.data);
}
