/**
 * Run logs for the browser tests: one written by the real trainer (a scripted adder agent and a
 * scripted optimizer that rewrites its instruction, with hostile text in values, reasoning and
 * feedback), and hand-written ones (a DOT graph with hostile labels, malformed, truncated).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { ScriptedModel } from "@trace-ts/core/testing";
import { exactMatch, train } from "@trace-ts/trainer";
import {
  adder,
  additionExamples,
  JsonOptimizer,
  promptVariables,
  userText,
} from "../../../trainer/test/helpers/agents.js";

/** Markup that must show as text: an image with an error handler and a script end tag. */
export const HOSTILE = `<img src=x onerror="window.__pwned=1"></script><script>window.__pwned=2</script>`;

/** Instructions the scripted optimizer proposes, one per step. */
export const INSTRUCTIONS = [
  "Add the numbers. Reply with digits only.",
  `Add the numbers. Reply with digits only. ${HOSTILE}`,
  "Add both numbers with care.\nReply with digits only.",
] as const;

/** The agent model: like the trainer tests' adder, but its sentences carry hostile markup. */
function agentModel(): ScriptedModel {
  return new ScriptedModel((request) => {
    const system = request.messages.find((m) => m.role === "system")?.content ?? "";
    const m = /(-?\d+)\s*\+\s*(-?\d+)/.exec(userText(request.messages));
    if (!m) return "I do not know.";
    const sum = Number(m[1]) + Number(m[2]);
    return /digits only/i.test(system) ? String(sum) : `The sum is ${sum}. ${HOSTILE}`;
  });
}

/** The optimizer model: proposes INSTRUCTIONS[step] (and a suggestion for an unknown key). */
function optimizerModel(): ScriptedModel {
  return new ScriptedModel((request) => {
    const text = userText(request.messages);
    const key = Object.keys(promptVariables(text))[0] ?? "instruction";
    const step = Number(/^STEP (\d+)$/m.exec(text)?.[1] ?? 0);
    return JSON.stringify({
      reasoning: `Step ${step}: the answers must be bare numbers. ${HOSTILE}`,
      suggestion: {
        [key]: INSTRUCTIONS[Math.min(step, INSTRUCTIONS.length - 1)],
        [`no_such_key_${HOSTILE}`]: "x",
      },
    });
  });
}

/** Trains the adder for three steps with a validation set, logging to `log`. */
export async function trainedRun(log: string, seed = 1): Promise<void> {
  const agent = adder(agentModel());
  const optimizer = new JsonOptimizer(agent.parameters(), { model: optimizerModel() });
  await train({
    agent,
    optimizer,
    forward: agent.forward,
    guide: exactMatch(),
    train: additionExamples(6),
    validation: additionExamples(3, 20),
    batchSize: 2,
    maxSteps: 3,
    seed,
    skipPerfectBatches: false,
    log,
    logContent: { messages: true },
    progress: false,
  });
}

/** The lines of a log file (without the final empty one). */
export function logLines(path: string): string[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line !== "");
}

/** DOT with hostile labels, a link and an HTML-like label. */
export const HOSTILE_DOT = [
  "digraph G {",
  `  a [label=${JSON.stringify(`value ${HOSTILE}`)}, URL="javascript:window.__pwned=3", href="javascript:window.__pwned=4"];`,
  `  b [label=<<b>bold</b>>, tooltip="tip"];`,
  "  a -> b;",
  "}",
].join("\n");

/**
 * A log of one step whose proposal carries {@link HOSTILE_DOT} as its `graph` (written by hand,
 * from the first two records of `template`, a trainer-written log).
 */
export function writeGraphLog(template: string, out: string): void {
  const [runLine, ...rest] = logLines(template);
  const stepLine = rest.find((line) => (JSON.parse(line) as { type: string }).type === "step");
  if (runLine === undefined || stepLine === undefined)
    throw new Error(`${template} has no run and step record`);
  const step = JSON.parse(stepLine) as { proposals: Record<string, unknown>[] };
  step.proposals = step.proposals.map((p) => ({ ...p, graph: HOSTILE_DOT }));
  writeFileSync(out, `${runLine}\n${JSON.stringify(step)}\n`);
}

/** A log whose second line is not JSON. */
export function writeMalformedLog(template: string, out: string): void {
  const [runLine, ...rest] = logLines(template);
  writeFileSync(out, `${runLine}\n{"type": "step", not json\n${rest.join("\n")}\n`);
}

/** A log whose last line stops half-way. */
export function writeTruncatedLog(template: string, out: string): void {
  const lines = logLines(template);
  const last = lines.pop() ?? "";
  writeFileSync(out, `${lines.join("\n")}\n${last.slice(0, Math.floor(last.length / 2))}`);
}
