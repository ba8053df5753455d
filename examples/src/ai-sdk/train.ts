/**
 * Trains the support agent with OptoPrime: each epoch answers two customer questions, scores each
 * answer with a guide (status and delivery date both stated), sends the feedback backward (it
 * reaches the system prompt through the answer, and the tool's code through the tool result), and
 * lets OptoPrime rewrite the prompt and the code.
 */
import type { AISDKLanguageModel } from "@trace-ts/ai-sdk";
import { ExecutionError, type LanguageModel, type MessageNode, type StepReport } from "@trace-ts/core";
import { OptoPrime } from "@trace-ts/optoprime";
import { type Example, guide } from "@trace-ts/trainer";
import { logStepReport } from "../step-report.js";
import { createSupportAgent, type SupportAgent } from "./agent.js";

/** What a correct answer must say. */
export interface OrderFacts {
  /** The order id in the shop's records. */
  readonly id: string;
  /** Its status word. */
  readonly status: string;
  /** Its delivery date. */
  readonly eta: string;
}

/** The customer questions, with what a correct answer must say. */
export const QUESTIONS: readonly Example<string, OrderFacts>[] = [
  { input: "Where is my order #a17?", target: { id: "A17", status: "shipped", eta: "2026-03-02" } },
  {
    input: "What is the status of order B42?",
    target: { id: "B42", status: "processing", eta: "2026-03-09" },
  },
];

/** Scores one answer: 1 when it gives both the status and the delivery date. */
export const statusGuide = guide(
  (answer: string, example: Example<string, OrderFacts>) => {
    const facts = example.target!;
    const hasStatus = answer.toLowerCase().includes(facts.status);
    const hasDate = answer.includes(facts.eta);
    if (hasStatus && hasDate) return { score: 1, feedback: "Correct." };
    if (!hasStatus) {
      return {
        score: 0,
        feedback:
          `Incorrect: order ${facts.id} exists and is ${facts.status} (arriving ${facts.eta}), but the answer was ` +
          `${JSON.stringify(answer)}. The tool was given the id as the customer wrote it.`,
      };
    }
    return {
      score: 0.5,
      feedback: `Incomplete: the status is right, but the answer must also give the delivery date (${facts.eta}).`,
    };
  },
  { name: "status-and-date", maxScore: 1 },
);

/** Options of {@link trainSupportAgent}. */
export interface TrainSupportOptions {
  /** The agent's model: an AI SDK model or a trace-ts model. */
  readonly agentModel: LanguageModel | AISDKLanguageModel;
  /** The optimizer's model, or a function building it from the agent (a scripted one needs its parameter keys). */
  readonly optimizerModel: LanguageModel | ((agent: SupportAgent) => LanguageModel);
  /** Most epochs (default 4). */
  readonly epochs?: number;
  /** Where progress goes (default console.log). */
  readonly log?: (line: string) => void;
}

/** What a training run did. */
export interface SupportRun {
  /** The trained agent. */
  readonly agent: SupportAgent;
  /** Scores per epoch, one per question. */
  readonly scores: readonly (readonly number[])[];
  /** The optimizer's step reports. */
  readonly reports: readonly StepReport[];
  /** The final answers. */
  readonly finalAnswers: readonly string[];
}

/** Answers one question; a failed run becomes its exception node, whose error is the feedback. */
async function answer(agent: SupportAgent, question: string): Promise<{ output: MessageNode; text: string }> {
  try {
    const result = await agent.run(question);
    return { output: result.node, text: result.text };
  } catch (error) {
    if (!(error instanceof ExecutionError)) throw error;
    return { output: error.exceptionNode, text: String(error.exceptionNode.data) };
  }
}

/** Runs `zeroFeedback → answer → guide → backward → step` until every answer is right. */
export async function trainSupportAgent(options: TrainSupportOptions): Promise<SupportRun> {
  const log = options.log ?? ((line: string) => console.log(line));
  const agent = createSupportAgent(options.agentModel);
  const optimizer = new OptoPrime([agent.system, agent.orderStatus.parameter!], {
    model:
      typeof options.optimizerModel === "function" ? options.optimizerModel(agent) : options.optimizerModel,
    objective: "Answer each customer with the status and the delivery date of their order.",
  });
  const scores: number[][] = [];
  const reports: StepReport[] = [];
  for (let epoch = 1; epoch <= (options.epochs ?? 4); epoch++) {
    optimizer.zeroFeedback();
    const answers = await Promise.all(QUESTIONS.map((q) => answer(agent, q.input)));
    const verdicts = await Promise.all(answers.map((a, i) => statusGuide(a.text, QUESTIONS[i]!)));
    scores.push(verdicts.map((v) => v.score));
    log(`\n=== epoch ${epoch}`);
    answers.forEach((a, i) => {
      log(`${QUESTIONS[i]!.input} -> ${JSON.stringify(a.text)}\n  ${verdicts[i]!.feedback}`);
    });
    if (verdicts.every((v) => v.score === 1)) {
      log("Every answer is right; training stops.");
      break;
    }
    for (const [i, a] of answers.entries()) optimizer.backward(a.output, verdicts[i]!.feedback);
    const report = await optimizer.step();
    reports.push(report);
    logStepReport(report, log);
  }
  const finalAnswers = (await Promise.all(QUESTIONS.map((q) => answer(agent, q.input)))).map((a) => a.text);
  log("\n=== final answers");
  for (const [i, q] of QUESTIONS.entries()) log(`${q.input} -> ${finalAnswers[i]}`);
  return { agent, scores, reports, finalAnswers };
}
