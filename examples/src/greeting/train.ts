/** The training loop of the greeting example, as a function the demo and the tests share. */
import {
  createContainer,
  createOptimizer,
  ExceptionNode,
  ExecutionError,
  type LanguageModel,
  type MessageNode,
  registerLanguageModel,
  type StepReport,
  traced,
} from "@trace-ts/core";
import { registerOptoPrime } from "@trace-ts/optoprime";
import { logStepReport } from "../step-report.js";
import { GreetingAgent } from "./agent.js";
import { isCorrect, type Language, languageFeedback } from "./feedback.js";

/** The training queries: the starting agent is wrong on the English one. */
export const QUERIES: readonly { readonly query: string; readonly lang: Language }[] = [
  { query: "Hello, I'm John.", lang: "en" },
  { query: "Hola, soy Juan.", lang: "es" },
];

/** Options of `trainGreetingAgent`. */
export interface TrainGreetingOptions {
  /** The model used by the agent and the optimizer, or a function building it from the agent. */
  readonly model: LanguageModel | ((agent: GreetingAgent) => LanguageModel);
  /** Most epochs to run (default 5). */
  readonly epochs?: number;
  /** Where progress goes (default console.log). */
  readonly log?: (line: string) => void;
}

/** One query's outcome in one epoch. */
export interface Attempt {
  /** The greeting, or the error. */
  readonly output: MessageNode;
  /** The feedback sent backward. */
  readonly feedback: string;
  /** Whether the greeting was right. */
  readonly ok: boolean;
}

/** What a training run did. */
export interface GreetingRun {
  /** The trained agent. */
  readonly agent: GreetingAgent;
  /** Outcomes per epoch. */
  readonly epochs: readonly (readonly Attempt[])[];
  /** The optimizer's step reports. */
  readonly reports: readonly StepReport[];
  /** Final greeting (or error text) per query. */
  readonly finalGreetings: readonly string[];
}

/** Runs the agent once; an execution error becomes the output, with its error as feedback. */
async function attempt(agent: GreetingAgent, query: string, lang: Language): Promise<Attempt> {
  try {
    const output = await agent.run(query);
    const feedback = languageFeedback(output.data, lang);
    return { output, feedback, ok: isCorrect(feedback) };
  } catch (error) {
    if (!(error instanceof ExecutionError)) throw error;
    const output: ExceptionNode = error.exceptionNode;
    return { output, feedback: output.errorFeedback(), ok: false };
  }
}

/**
 * Trains the greeting agent: each epoch is `zeroFeedback → run both queries → backward each
 * output with its own feedback → step`, until both greetings are right.
 */
export async function trainGreetingAgent(options: TrainGreetingOptions): Promise<GreetingRun> {
  const log = options.log ?? ((line: string) => console.log(line));
  const container = createContainer();
  const agent = new GreetingAgent("You are a sales assistant.", container);
  registerLanguageModel(
    container,
    typeof options.model === "function" ? options.model(agent) : options.model,
  );
  registerOptoPrime(container, { objective: "Greet every user by name in the language they wrote in." });
  const optimizer = createOptimizer(agent.parameters(), container);
  const epochs: Attempt[][] = [];
  const reports: StepReport[] = [];

  for (let epoch = 1; epoch <= (options.epochs ?? 5); epoch++) {
    optimizer.zeroFeedback();
    const results = await Promise.all(QUERIES.map((q) => attempt(agent, q.query, q.lang)));
    epochs.push(results);
    log(`\n=== epoch ${epoch}`);
    results.forEach((r, i) => {
      const shown =
        r.output instanceof ExceptionNode ? `error ${r.output.data}` : JSON.stringify(r.output.data);
      log(`${QUERIES[i]!.query.padEnd(18)} -> ${shown}\n  feedback: ${r.feedback.split("\n")[0]}`);
    });
    if (results.every((r) => r.ok)) {
      log("Both greetings are right; training stops.");
      break;
    }
    for (const r of results) optimizer.backward(r.output, r.feedback);
    const report = await optimizer.step();
    reports.push(report);
    logStepReport(report, log);
  }

  log("\n=== final greetings");
  const finalGreetings: string[] = [];
  for (const { query } of QUERIES) {
    const result = await attempt(agent, query, "en");
    const text =
      result.output instanceof ExceptionNode ? `error ${result.output.data}` : String(result.output.data);
    finalGreetings.push(text);
    log(`${query.padEnd(18)} -> ${text}`);
  }
  return { agent, epochs, reports, finalGreetings };
}

/** The agent's two code parameters (for scripting suggestions). */
export function agentCode(agent: GreetingAgent) {
  return { decideLang: traced(agent).decideLang.parameter!, greet: traced(agent).greet.parameter! };
}
