/**
 * Trains a small word-problem solver with `@trace-ts/trainer`: one trainable instruction (the
 * system prompt of a `callLLM` call), OptoPrime as the optimizer, minibatch training that keeps
 * an update only when the validation score rises, a checkpoint after every step, a JSONL run log,
 * and a final score on a held-out test split. The data is examples/data/word-problems.jsonl
 * (35 problems, 15 of which need two operations).
 *
 * Without `TRACE_MODEL` both the solver and the optimizer are `ScriptedModel`s, and the first
 * line of output says so. The scripted solver looks up each problem's answer in the dataset and
 * imitates two typical faults: it answers in a sentence unless told to reply with the number
 * only, and on two-step problems it stops after the first operation unless told to work through
 * every step. The scripted optimizer reads OptoPrime's prompt and proposes the fix the feedback
 * points to. So the scores show the training loop working end to end, not any model's skill.
 * With `TRACE_MODEL` set (e.g. `openai:gpt-4o-mini`), a real model plays both roles.
 *
 * Run: npm run build && node examples/dist/train-word-problems.js [--out DIR] [--resume DIR]
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { callLLM, type LanguageModel, languageModelFromEnv, node, UsageTracker } from "@trace-ts/core";
import { trackUsage, wrapModel } from "@trace-ts/core/llm";
import { formatValue } from "@trace-ts/core/optimizer";
import { ScriptedModel } from "@trace-ts/core/testing";
import { OptoPrime } from "@trace-ts/optoprime";
import {
  Dataset,
  type Example,
  exactMatch,
  minibatch,
  type RunLogRecord,
  resume,
  type TrainConfig,
  train,
} from "@trace-ts/trainer";
import { reportModelUnavailable } from "./exit-on-outage.js";

const DATA = fileURLToPath(new URL("../data/word-problems.jsonl", import.meta.url));
const START = "Solve the word problem.";

/** One line of the dataset: the example plus what the scripted solver needs. */
interface Problem extends Example<string, string> {
  readonly steps: 1 | 2;
  readonly firstStepOnly?: number;
}

function parseProblem(value: unknown): Problem {
  const v = value as Record<string, unknown>;
  if (typeof v.input !== "string" || typeof v.target !== "string" || (v.steps !== 1 && v.steps !== 2)) {
    throw new TypeError('expected {"input": text, "target": text, "steps": 1 or 2}');
  }
  return {
    id: String(v.id ?? ""),
    input: v.input,
    target: v.target,
    steps: v.steps,
    ...(typeof v.firstStepOnly === "number" ? { firstStepOnly: v.firstStepOnly } : {}),
  };
}

// ---- the models: real with TRACE_MODEL, else scripted ----

/** The scripted solver: knows the answers, but imitates two faults an instruction can fix. */
function scriptedSolver(problems: Dataset<Problem>): ScriptedModel {
  const byQuestion = new Map(problems.items.map((p) => [p.input, p]));
  return new ScriptedModel(
    (request) => {
      const system = request.messages.find((m) => m.role === "system")?.content ?? "";
      const question = request.messages.filter((m) => m.role === "user").at(-1)?.content ?? "";
      const problem = byQuestion.get(question.trim());
      if (problem === undefined) return "I am not sure.";
      const careful = /every step|each step|step by step/i.test(system);
      const answer = problem.steps === 2 && !careful ? String(problem.firstStepOnly) : (problem.target ?? "");
      const bare = /only the final number|digits only/i.test(system);
      return bare ? answer : `Let me work it out: the answer is ${answer}.`;
    },
    { latencyMs: 20, modelId: "scripted-solver" },
  );
}

const STAGE_1 = "Solve the word problem. Reply with only the final number: digits only, no words or units.";
const STAGE_2 = `${STAGE_1} Many problems need two operations: work through every step before you answer.`;

/**
 * The scripted optimizer: answers OptoPrime in its JSON format, with the fix the feedback in the
 * prompt points to (sentences instead of numbers → ask for the number only; wrong numbers →
 * ask to work through every step; nothing wrong → TERMINATE).
 */
function scriptedOptimizer(instructionKey: () => string): ScriptedModel {
  return new ScriptedModel(
    (request) => {
      const text = request.messages.map((m) => m.content).join("\n");
      const verbose = /but the output was \\?"Let me work it out/.test(text);
      const wrongNumber = [...text.matchAll(/expected \\?"(\d+)\\?" but the output was \\?"(\d+)\\?"/g)].some(
        (m) => m[1] !== m[2],
      );
      const key = instructionKey();
      if (verbose) {
        return JSON.stringify({
          reasoning:
            "The outputs are sentences, but the expected outputs are bare numbers, so the instruction must ask for the number only.",
          answer: "",
          suggestion: { [key]: STAGE_1 },
        });
      }
      if (wrongNumber) {
        return JSON.stringify({
          reasoning:
            "Some answers are the result of the first operation only; the instruction should ask to finish every step.",
          answer: "",
          suggestion: { [key]: STAGE_2 },
        });
      }
      return JSON.stringify({
        reasoning: "Every output is correct. TERMINATE",
        answer: "TERMINATE",
        suggestion: {},
      });
    },
    { latencyMs: 30, modelId: "scripted-optimizer" },
  );
}

// ---- command line ----

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

async function main(): Promise<void> {
  const resumeDir = argument("--resume");
  const out = resumeDir ?? argument("--out") ?? mkdtempSync(join(tmpdir(), "trace-word-problems-"));
  const all = await Dataset.fromJsonl(DATA, { parse: parseProblem, name: "word-problems" });
  const { train: trainSet, validation, test } = all.split({ validation: 8, test: 8 }, { seed: 7 });

  const instruction = node(START, {
    trainable: true,
    name: "instruction",
    description: "the system prompt of the word-problem solver",
  });
  const usage = new UsageTracker();
  let solverModel: LanguageModel;
  let optimizerModel: LanguageModel;
  if (process.env.TRACE_MODEL) {
    const model = await languageModelFromEnv();
    console.log(
      `Using ${model.provider}:${model.modelId} from TRACE_MODEL for the solver and the optimizer.`,
    );
    solverModel = model;
    optimizerModel = model;
  } else {
    console.log(
      "Responses are scripted (TRACE_MODEL is not set): a ScriptedModel plays the solver and the optimizer, " +
        "so the scores below show the training loop working, not a model's skill.",
    );
    solverModel = scriptedSolver(all);
    optimizerModel = scriptedOptimizer(() => instruction.key);
  }
  const solver = wrapModel(solverModel, trackUsage(usage));
  const optimizer = new OptoPrime([instruction], { model: wrapModel(optimizerModel, trackUsage(usage)) });

  console.log(
    `data: ${all.length} problems → train ${trainSet.length}, validation ${validation.length}, test ${test.length}`,
  );
  console.log(`start instruction: ${JSON.stringify(instruction.data)}`);
  console.log(`checkpoint and log in ${out}\n`);

  const config: TrainConfig<string, string, string> = {
    agent: { parameters: () => [instruction] },
    optimizer,
    forward: (question, context) =>
      callLLM(instruction, question, { model: solver, signal: context.signal, temperature: 0 }),
    guide: exactMatch(),
    train: trainSet,
    validation,
    test,
    algorithm: minibatch({ keepIfImproves: true }),
    batchSize: 4,
    epochs: 1,
    concurrency: 4,
    seed: 7,
    earlyStop: { target: 1 },
    usage,
    checkpoint: join(out, "checkpoint.json"),
    log: join(out, "log.jsonl"),
    // keep the optimizer's prompts and responses in the log (redacted), for the run viewer
    logContent: { messages: true },
    progress: false,
    onRecord: report,
  };
  const result = resumeDir === undefined ? await train(config) : await resume(config);
  if (result.reason === "model-unavailable") {
    // the checkpoint holds the last completed step: --resume continues once the model is back
    reportModelUnavailable(`${result.message} (continue later with --resume ${out})`);
    return;
  }

  console.log(
    `\nstopped: ${result.reason}${result.message ? ` (${result.message})` : ""} after ${result.steps} step(s)`,
  );
  if (result.best)
    console.log(
      `best validation score ${result.best.score.toFixed(3)} (parameters of step ${result.best.step})`,
    );
  if (result.test) console.log(`test score with the final instruction: ${result.test.mean.toFixed(3)}`);
  console.log(`final instruction: ${JSON.stringify(instruction.data)}`);
  console.log(`tokens: ${result.totals.totalTokens} in ${result.totals.calls} model calls`);
  console.log(`run log: ${join(out, "log.jsonl")}; continue an interrupted run with --resume ${out}`);
  console.log(`see the run in your browser: npm run view -- ${out}`);
}

/** Prints each step and evaluation as the trainer logs it. */
function report(record: RunLogRecord): void {
  if (record.type === "eval" && record.label === "initial") {
    console.log(`validation score before training: ${record.mean.toFixed(3)}`);
  }
  if (record.type !== "step") return;
  const correct = record.batch.scores.filter((s) => s === 1).length;
  console.log(
    `step ${record.step}: ${correct}/${record.batch.scores.length} of the batch correct; ` +
      `${record.kept ? "update kept" : (record.note ?? "no update")}` +
      `${record.score ? `; validation ${record.score.value.toFixed(3)}` : ""}`,
  );
  const wrong = record.batch.feedback.find((f) => f.startsWith("Incorrect"));
  if (wrong) console.log(`  feedback e.g.: ${formatValue(wrong, 140)}`);
  const proposal = record.proposals[0];
  if (proposal && proposal.diff !== "") console.log(proposal.diff.replace(/^/gm, "  "));
}

await main();
