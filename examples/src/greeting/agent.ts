/**
 * The greeting agent: two language-model calls and two trainable functions.
 *
 * It asks a model which language the user wrote in and what the user's name is, turns the first
 * answer into a language code (`decideLang`, which starts out empty) and greets the user
 * (`greet`, which starts out always saying "Hola"). The two instructions and both functions are
 * trainable: an optimizer may rewrite the prompts and the code.
 */
import {
  bundle,
  callLLM,
  type DependencyContainer,
  type MaybeNode,
  type MessageNode,
  Model,
  type Node,
  node,
  traced,
} from "@trace-ts/core";

/** An agent that greets users in their own language. */
export class GreetingAgent extends Model {
  /** Fixed persona sent as the system prompt of both model calls. */
  readonly systemPrompt: Node<string>;
  /** Instruction of the first model call (trainable). */
  readonly decideInstruction = node("Decide the language", {
    trainable: true,
    name: "decide_instruction",
    description: "instruction sent with the user's message to find out which language it is in",
  });
  /** Instruction of the second model call (trainable). */
  readonly extractInstruction = node("Extract name", {
    trainable: true,
    name: "extract_instruction",
    description: "instruction sent with the user's message to get the user's name",
  });
  readonly #container: DependencyContainer;

  /**
   * @param systemPrompt the persona
   * @param container where the language model is registered
   */
  constructor(systemPrompt: string, container: DependencyContainer) {
    super();
    this.systemPrompt = node(systemPrompt, { name: "system_prompt" });
    this.#container = container;
  }

  /** Greets the author of `query`: two model calls, then the two trainable functions. */
  async run(query: MaybeNode<string>): Promise<MessageNode<string>> {
    const t = traced(this);
    const options = { container: this.#container, name: "llm" };
    const languageReply = await callLLM(this.systemPrompt, [this.decideInstruction, query], options);
    const lang = t.decideLang(languageReply);
    const userName = await callLLM(this.systemPrompt, [this.extractInstruction, query], options);
    return t.greet(lang, userName);
  }

  /** Maps the model's answer about the language to a language code. Starts out empty. */
  @bundle({
    trainable: true,
    description: "Turns the model's answer about the language into a language code.",
  })
  // biome-ignore lint/correctness/noUnusedFunctionParameters: the starting code ignores it; the signature is what the optimizer keeps
  decideLang(response: string): string | undefined {
    return undefined;
  }

  /** Greets the user by name in the given language. Starts out always answering in Spanish. */
  @bundle({ trainable: true, description: "Greets the user by name in the language given by lang." })
  // biome-ignore lint/correctness/noUnusedFunctionParameters: the starting code ignores lang; learning to use it is the point
  greet(lang: string | undefined, userName: string): string {
    const greeting = "Hola";
    return `${greeting}, ${userName}!`;
  }
}
