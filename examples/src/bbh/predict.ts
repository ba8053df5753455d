/**
 * The program trained on each BBH task: a prompt template (a trainable value), `createPrompt`
 * (trainable code that puts the question into the template), one language-model call, and
 * `extractAnswer` (trainable code that reads the answer out of the model's reply). An optimizer
 * may rewrite all three. `PredictCoT` is the chain-of-thought variant: its template asks the
 * model to reason first and end with `Answer: …`, and its `extractAnswer` reads what follows the
 * last `Answer:`.
 */
import {
  bundle,
  callLLM,
  type DependencyContainer,
  type MaybeNode,
  type MessageNode,
  Model,
  node,
  type ParameterNode,
  traced,
} from "@trace-ts/core";

/** Starting template of `Predict`. */
export const PLAIN_TEMPLATE = `Answer the question below.

Question: {question}
Answer:`;

/** Starting template of `PredictCoT`. */
export const COT_TEMPLATE = `Answer the question below. Think it through step by step, then give your final answer on the last line, after "Answer:".

Question: {question}`;

const TEMPLATE_DESCRIPTION =
  "the prompt template sent to the language model; {question} marks where the question goes. " +
  "It should say in what form the answer must be written (True/False, an option like (A), a date, a list of words…).";

/** A BBH solver: template → `createPrompt` → model call → `extractAnswer`. */
export class Predict extends Model {
  /** The prompt template (trainable). */
  readonly promptTemplate: ParameterNode<string>;
  readonly #container: DependencyContainer;

  /**
   * @param container where the language model the program calls is registered
   * @param template the starting prompt template
   */
  constructor(container: DependencyContainer, template: string = PLAIN_TEMPLATE) {
    super();
    this.promptTemplate = node(template, {
      trainable: true,
      name: "prompt_template",
      description: TEMPLATE_DESCRIPTION,
    });
    this.#container = container;
  }

  /** Puts the question into the template (where `{question}` is, else after it). */
  @bundle({
    trainable: true,
    description:
      "Builds the text sent to the language model from the prompt template and the question: " +
      "the question replaces {question}, or is appended when the template has no placeholder.",
  })
  createPrompt(promptTemplate: string, question: string): string {
    if (!promptTemplate.includes("{question}")) return `${promptTemplate}\n\nQuestion: ${question}`;
    return promptTemplate.split("{question}").join(question);
  }

  /** Reads the answer out of the model's reply. Starts out returning the whole reply, trimmed. */
  @bundle({
    trainable: true,
    description:
      "Reads the final answer out of the language model's reply; the result is compared with the " +
      "expected answer exactly, so it must contain the answer and nothing else.",
  })
  // biome-ignore lint/correctness/noUnusedFunctionParameters: the starting code ignores the template; rewritten code may use it
  extractAnswer(promptTemplate: string, response: string): string {
    return response.trim();
  }

  /**
   * Answers one question: the traced output node, so feedback on it reaches the template and
   * both functions.
   * @param question the question
   * @param signal cancels the model call
   */
  async forward(question: MaybeNode<string>, signal?: AbortSignal): Promise<MessageNode<string>> {
    const t = traced(this);
    const prompt = t.createPrompt(this.promptTemplate, question);
    const response = await callLLM(null, prompt, {
      container: this.#container,
      name: "llm",
      ...(signal === undefined ? {} : { signal }),
    });
    return t.extractAnswer(this.promptTemplate, response);
  }
}

/** The chain-of-thought variant: reason first, answer after `Answer:`. */
export class PredictCoT extends Predict {
  /** @param container where the language model the program calls is registered */
  constructor(container: DependencyContainer) {
    super(container, COT_TEMPLATE);
  }

  /** Reads the text after the last `Answer:` (the whole reply when there is none), trimmed. */
  @bundle({
    trainable: true,
    description:
      "Reads the final answer out of the language model's reply, which reasons first and ends with " +
      '"Answer: …"; the result is compared with the expected answer exactly.',
  })
  // biome-ignore lint/correctness/noUnusedFunctionParameters: the starting code ignores the template; rewritten code may use it
  override extractAnswer(promptTemplate: string, response: string): string {
    const at = response.lastIndexOf("Answer:");
    return at === -1 ? response.trim() : response.slice(at + "Answer:".length).trim();
  }
}

/**
 * A fresh solver of the chosen variant.
 * @param container where its language model is registered
 * @param cot the chain-of-thought variant
 */
export function createPredict(container: DependencyContainer, cot: boolean): Predict {
  return cot ? new PredictCoT(container) : new Predict(container);
}

/** The solver's three parameters, by role (for scripted answers and reports). */
export function predictParameters(agent: Predict): {
  readonly template: ParameterNode<string>;
  readonly createPrompt: ParameterNode<string>;
  readonly extractAnswer: ParameterNode<string>;
} {
  const t = traced(agent);
  return {
    template: agent.promptTemplate,
    createPrompt: t.createPrompt.parameter!,
    extractAnswer: t.extractAnswer.parameter!,
  };
}
