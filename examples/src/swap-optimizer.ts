/**
 * Swapping optimizers by configuration. The training code below never names an optimizer: it
 * asks the tsyringe container for one, and `TRACE_OPTIMIZER=optoprime|textgrad|opro` decides
 * which (default: optoprime).
 *
 * Without `TRACE_MODEL` the model is a `ScriptedModel` that answers each optimizer in its own
 * format (OptoPrime's JSON, TextGrad's gradients and `<new_value>` tags, OPRO's `<value>`
 * blocks), so the example runs offline; the first line of output says so. With `TRACE_MODEL`
 * set (e.g. `openai:gpt-4o-mini`), the real model is used.
 *
 * Run: npm run build && TRACE_OPTIMIZER=textgrad node examples/dist/swap-optimizer.js
 */

import {
  createContainer,
  createOptimizer,
  type Feedback,
  fmt,
  formatChanges,
  type LanguageModel,
  languageModelFromEnv,
  node,
  ops,
  optimizerFromEnv,
  type ParameterNode,
  registerLanguageModel,
} from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import { isOproRequest, registerOpro, valueBlock } from "@trace-ts/opro";
import { optoPrimeRequestInfo, registerOptoPrime } from "@trace-ts/optoprime";
import { registerTextGrad, textGradRequestInfo } from "@trace-ts/textgrad";
import { stopReasonOfCode } from "@trace-ts/trainer";
import { reportModelUnavailable } from "./exit-on-outage.js";

const OBJECTIVE = "Greet the user in French, with exactly one exclamation mark.";

// ---- the program: two trainable parameters ----
const greeting = node("Hello", { trainable: true, name: "greeting", description: "first word of the reply" });
const excitement = node(3, {
  trainable: true,
  name: "excitement",
  description: "number of exclamation marks",
  constraint: "an integer from 0 to 3",
});

function reply(user: string) {
  const marks = ops.call((n: number) => "!".repeat(Math.max(0, Math.round(n))), excitement);
  return fmt`${greeting}, ${user}${marks}`;
}

/** Score 0…1 with an explanation: the judge of this toy task. */
function judge(text: string): { score: number; feedback: string } {
  const problems: string[] = [];
  if (!text.startsWith("Bonjour")) problems.push("the user speaks French: greet in French");
  const marks = text.split("!").length - 1;
  if (marks !== 1) problems.push(`use exactly one exclamation mark, not ${marks}`);
  return {
    score: (2 - problems.length) / 2,
    feedback: problems.length === 0 ? "Perfect." : `${problems.join("; ")}.`,
  };
}

// ---- the model: real with TRACE_MODEL, else scripted answers for whichever optimizer asks ----
function scriptedModel(target: Readonly<Record<string, string>>): ScriptedModel {
  return new ScriptedModel((request) => {
    const textgrad = textGradRequestInfo(request);
    if (textgrad?.kind === "update") {
      return `Following the feedback.\n<new_value>\n${target[textgrad.key] ?? ""}\n</new_value>`;
    }
    if (textgrad !== undefined) return "It should be French, with a single exclamation mark.";
    if (isOproRequest(request)) {
      const blocks = Object.entries(target).map(([key, value]) => valueBlock(key, value));
      return `The feedback asks for French and one exclamation mark.\n${blocks.join("\n")}`;
    }
    if (optoPrimeRequestInfo(request) === undefined) return "I was not asked anything I know.";
    return JSON.stringify({
      reasoning: "The feedback asks for a French greeting with one exclamation mark.",
      answer: "",
      suggestion: target,
    });
  });
}

let model: LanguageModel;
if (process.env.TRACE_MODEL?.trim()) {
  model = await languageModelFromEnv();
  console.log(`Using the model ${model.provider}:${model.modelId} (from TRACE_MODEL).`);
} else {
  model = scriptedModel({ [greeting.key]: "Bonjour", [excitement.key]: "1" });
  console.log(
    "Responses are scripted (ScriptedModel): no language model is called. Set TRACE_MODEL to use a real one.",
  );
}

// ---- configuration: register every optimizer, let TRACE_OPTIMIZER pick ----
const container = createContainer();
registerLanguageModel(container, model);
registerOptoPrime(container, { objective: OBJECTIVE });
registerTextGrad(container, { objective: OBJECTIVE, asDefault: false });
registerOpro(container, { objective: OBJECTIVE, asDefault: false });
optimizerFromEnv(container); // reads TRACE_OPTIMIZER; without it the default (optoprime) stays

// ---- training: the same code for every optimizer ----
const parameters: ParameterNode[] = [greeting, excitement];
const optimizer = createOptimizer(parameters, container);
console.log(`Optimizer: ${optimizer.name} (TRACE_OPTIMIZER=${process.env.TRACE_OPTIMIZER || "(unset)"})`);

for (let step = 1; step <= 3; step++) {
  optimizer.zeroFeedback();
  const out = reply("Ada");
  const verdict = judge(out.data);
  console.log(`\nstep ${step}: ${JSON.stringify(out.data)} → score ${verdict.score}: ${verdict.feedback}`);
  if (verdict.score === 1) break;
  const feedback: Feedback = verdict;
  optimizer.backward(out, feedback);
  const report = await optimizer.step();
  if (stopReasonOfCode(report.errorCode) === "outage") {
    reportModelUnavailable(report.error ?? String(report.errorCode));
    break;
  }
  const calls = report.calls.length;
  console.log(`  ${report.optimizer} made ${calls} model call${calls === 1 ? "" : "s"}`);
  if (report.error !== undefined) console.log(`  no change: ${report.error}`);
  else console.log(formatChanges(report.applied).replace(/^/gm, "  "));
}
console.log(`\nfinal reply: ${JSON.stringify(reply("Ada").data)}`);
