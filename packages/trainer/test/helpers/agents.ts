/**
 * Test doubles: a small optimizer that asks a language model for `{"suggestion": {key: value}}`
 * and toy agents. Used by the jest tests and by the child-process fixture (plain node + swc).
 */
import {
  callLLM,
  feedbackToText,
  type LanguageModel,
  node,
  Optimizer,
  OptimizerStateError,
  ops,
  type ParameterNode,
  type Proposal,
  rootErrorCode,
  type StepOptions,
  type StepReport,
} from "@trace-ts/core";
import { formatValue, ModelCallLog } from "@trace-ts/core/optimizer";

/**
 * An optimizer for tests: renders the problem as `VAR key = value` and `FEEDBACK key: text` lines,
 * asks the model, and reads `{"suggestion": {...}, "reasoning": "..."}` from the reply. Its state
 * is the list of keys it changed (to check that optimizer state survives a resume).
 */
export class JsonOptimizer extends Optimizer {
  readonly name = "JsonOptimizer";
  readonly model: LanguageModel;
  changed: string[] = [];

  constructor(parameters: Iterable<ParameterNode>, options: { model: LanguageModel }) {
    super(parameters);
    this.model = options.model;
  }

  async propose(options: StepOptions = {}): Promise<Proposal> {
    const view = this.problem();
    const lines = [
      ...view.variables.map((v) => `VAR ${v.key} = ${JSON.stringify(v.value)}`),
      ...view.feedback.map((f) => `FEEDBACK ${f.key}: ${feedbackToText(f.feedback)}`),
      `STEP ${this.steps}`,
    ];
    const log = new ModelCallLog();
    let text: string;
    try {
      const result = await log.generate(
        this.model,
        {
          messages: [
            { role: "system", content: "Improve the variables." },
            { role: "user", content: lines.join("\n") },
          ],
          ...(options.signal ? { signal: options.signal } : {}),
          // the sample index of a candidate (`proposeCandidates`): keeps samples apart in caches
          ...(options.sample !== undefined ? { sample: options.sample } : {}),
        },
        "propose",
      );
      text = result.text;
    } catch (error) {
      // like the shipped optimizers: report the failure with the stable code behind it
      const code = rootErrorCode(error);
      return {
        updates: new Map(),
        suggestion: {},
        rejected: [],
        terminate: false,
        error: formatValue(String(error)),
        ...(code !== undefined ? { errorCode: code } : {}),
        calls: log.calls,
      };
    }
    let parsed: { suggestion?: Record<string, unknown>; reasoning?: string; terminate?: boolean };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      return {
        updates: new Map(),
        suggestion: {},
        rejected: [],
        terminate: false,
        error: "reply is not JSON",
        calls: log.calls,
      };
    }
    const suggestion = parsed.suggestion ?? {};
    const { updates, rejected } = this.prepareUpdates(view, suggestion);
    return {
      updates,
      rejected,
      suggestion,
      ...(parsed.reasoning ? { reasoning: parsed.reasoning } : {}),
      terminate: parsed.terminate === true && Object.keys(suggestion).length === 0,
      calls: log.calls,
    };
  }

  protected override afterStep(report: StepReport): void {
    this.changed.push(...report.applied.map((a) => a.key));
  }
  protected override saveState(): unknown {
    return { changed: this.changed };
  }
  protected override restoreState(data: unknown): void {
    const changed = (data as { changed?: unknown } | null)?.changed;
    if (!Array.isArray(changed)) throw new OptimizerStateError("changed must be an array");
    this.changed = changed as string[];
  }
}

/** Reads `VAR key = value` lines of a JsonOptimizer prompt. */
export function promptVariables(prompt: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of prompt.matchAll(/^VAR (\S+) = (.*)$/gm)) out[m[1]!] = JSON.parse(m[2]!);
  return out;
}

/** Reads `FEEDBACK key: text` lines of a JsonOptimizer prompt. */
export function promptFeedback(prompt: string): string[] {
  return [...prompt.matchAll(/^FEEDBACK \S+: (.*)$/gm)].map((m) => m[1]!);
}

/** The user message of a request. */
export function userText(messages: readonly { role: string; content: string }[]): string {
  return messages
    .filter((m) => m.role === "user")
    .map((m) => m.content)
    .join("\n");
}

/** A one-parameter agent: output = factor × input. */
export function multiplier(initial: number, name = "factor") {
  const factor = node(initial, { trainable: true, name, description: "multiplies the input" });
  return {
    factor,
    parameters: () => [factor],
    forward: (x: number) => ops.multiply(factor, x),
  };
}

/**
 * An agent that asks a model to add two numbers, with a trainable instruction. The scripted
 * "agent model" below answers with digits only when the instruction says so.
 */
export function adder(model: LanguageModel, instruction = "Add the numbers.") {
  const prompt = node(instruction, { trainable: true, name: "instruction", description: "system prompt" });
  return {
    prompt,
    parameters: () => [prompt],
    forward: async (question: string, context: { signal: AbortSignal }) =>
      callLLM(prompt, question, { model, signal: context.signal, name: "answer" }),
  };
}

/** The scripted agent model for `adder`: "What is a + b?" → "7" or "The sum is 7.". */
export function adderModelReply(messages: readonly { role: string; content: string }[]): string {
  const system = messages.find((m) => m.role === "system")?.content ?? "";
  const m = /(-?\d+)\s*\+\s*(-?\d+)/.exec(userText(messages));
  if (!m) return "I do not know.";
  const sum = Number(m[1]) + Number(m[2]);
  return /digits only/i.test(system) ? String(sum) : `The sum is ${sum}.`;
}

/** Addition examples "What is a + b?" with target the sum as text. */
export function additionExamples(n: number, offset = 0) {
  return Array.from({ length: n }, (_, i) => {
    const a = i + offset;
    const b = (i * 7 + 3) % 11;
    return { id: `q${a}`, input: `What is ${a} + ${b}?`, target: String(a + b) };
  });
}
