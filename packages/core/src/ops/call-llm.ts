/**
 * `callLLM`: the traced language-model operator. Its result is a `MessageNode<string>` whose
 * parents are the prompt nodes, so feedback on the answer flows back to trainable prompts.
 * It lives with the other operations (not in `llm/`) because it takes the default model from a DI
 * container: `ops/` may import `di/`, `llm/` may not.
 */
import type { DependencyContainer } from "tsyringe";
import { getDefaultLanguageModel } from "../di/container.js";
import { ExecutionError } from "../errors/execution-error.js";
import { findStopError } from "../errors/stop-error.js";
import { ExceptionNode, type MaybeNode, MessageNode, type Node } from "../graph/node.js";
import type { ChatMessage, GenerateRequest, GenerateResult, LanguageModel } from "../llm/types.js";
import { validateOptions } from "../util/options.js";
import { collectInputs } from "./record.js";

/** Every field of `T` optional and also accepting an explicit `undefined`. */
type Settings<T> = { readonly [K in keyof T]?: T[K] | undefined };

/**
 * Options of {@link callLLM}: the model to use plus the request settings. Every field may also be
 * given as `undefined` (same as leaving it out), so `{ signal }` with `signal: AbortSignal |
 * undefined` type-checks under `exactOptionalPropertyTypes`.
 */
export interface CallLLMOptions extends Settings<Omit<GenerateRequest, "messages">> {
  /** The model (default: the default model of `container`). */
  readonly model?: LanguageModel | undefined;
  /** Container to take the default model from (default: the root container). */
  readonly container?: DependencyContainer | undefined;
  /** Name base of the result node (default `callLLM`). */
  readonly name?: string | undefined;
}

/** Operation name recorded on the result node. */
export const CALL_LLM_OP = "callLLM";

const DESCRIPTION_ONE =
  "Sends the system prompt system and the user prompt user to a language model and returns the text of its reply.";
const DESCRIPTION_MANY =
  "Sends the system prompt system and the user prompts user0, user1, … (in that order) to a language model " +
  "and returns the text of its reply.";

const SCHEMA = {
  model: "object",
  container: "object",
  name: "string",
  responseFormat: "object",
  maxTokens: "integer",
  temperature: "number",
  seed: "integer",
  signal: "object",
  cache: "boolean",
  purpose: "string",
  sample: "integer",
} as const;

/**
 * Calls a language model as a traced operation. `system` and `user` may be nodes (e.g. trainable
 * prompt parameters) or strings; strings become constant nodes while tracing. The result node's
 * inputs are `system` and `user` (or `user0`, `user1`, … for several user prompts), and its
 * `info` records the model, usage and finish reason.
 *
 * A cancellation (`CancelledError`) or budget refusal (`BudgetExceededError`) is rethrown as it
 * is: it ends the run rather than being feedback (see `findStopError`). Any other failure is
 * recorded as an `ExceptionNode` with the same inputs and an
 * `ExecutionError` is thrown (its `cause` is the model's error, e.g. `RateLimitError`, and its
 * `exceptionNode` can be sent backward as feedback).
 *
 * @example
 * const prompt = node("You are terse.", { trainable: true, name: "system_prompt" });
 * const answer = await callLLM(prompt, "What is 2+2?", { model });
 * answer.data;    // the reply text
 * answer.parents; // [prompt, str:…]
 *
 * @param system the system prompt, or `undefined`/`null` for none
 * @param user one user prompt, or several sent as consecutive user messages
 * @param options model (or container) and request settings
 */
export async function callLLM(
  system: MaybeNode<string> | null | undefined,
  user: MaybeNode<string> | readonly MaybeNode<string>[],
  options: CallLLMOptions = {},
): Promise<MessageNode<string>> {
  validateOptions("callLLM", options, SCHEMA);
  const users = Array.isArray(user) ? (user as readonly MaybeNode<string>[]) : [user as MaybeNode<string>];
  if (users.length === 0) throw new TypeError("callLLM: give at least one user prompt");
  const raw: Record<string, MaybeNode<string>> = {};
  if (system !== undefined && system !== null) raw.system = system;
  if (Array.isArray(user)) {
    for (let i = 0; i < users.length; i++) raw[`user${i}`] = users[i]!;
  } else raw.user = users[0]!;
  const { values, nodes } = collectInputs(raw);
  for (const [k, v] of Object.entries(values)) {
    if (typeof v !== "string") {
      throw new TypeError(
        `callLLM: the ${k} prompt must be a string (or a node holding one), got ${typeof v}`,
      );
    }
  }
  const description = Array.isArray(user) ? DESCRIPTION_MANY : DESCRIPTION_ONE;
  const name = options.name;
  const fail = (error: unknown): never => {
    const stop = findStopError(error);
    if (stop !== undefined) throw stop; // a cancellation or spent budget ends the run; it is not feedback
    throw new ExecutionError(
      new ExceptionNode({ op: CALL_LLM_OP, description, inputs: nodes, error }),
      error,
    );
  };

  let model: LanguageModel;
  try {
    model = options.model ?? getDefaultLanguageModel(options.container);
  } catch (error) {
    return fail(error);
  }
  const messages: ChatMessage[] = [];
  if (typeof values.system === "string") messages.push({ role: "system", content: values.system });
  if (Array.isArray(user))
    for (let i = 0; i < users.length; i++) messages.push({ role: "user", content: values[`user${i}`]! });
  else messages.push({ role: "user", content: values.user! });

  const { model: _m, container: _c, name: _n, ...given } = options;
  // a setting given as undefined is left out, so the request (and its cache key) is as if absent
  const settings = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as Omit<
    GenerateRequest,
    "messages"
  >;
  let result: GenerateResult;
  try {
    result = await model.generate({ ...settings, messages });
  } catch (error) {
    return fail(error);
  }
  if (typeof result?.text !== "string") {
    return fail(new TypeError(`model ${model.provider}:${model.modelId} returned a result without text`));
  }
  return new MessageNode(result.text, {
    op: CALL_LLM_OP,
    description,
    inputs: nodes as Record<string, Node>,
    ...(name ? { name } : {}),
    info: {
      model: `${model.provider}:${model.modelId}`,
      responseModel: result.model,
      usage: result.usage,
      finishReason: result.finishReason,
      cached: result.cached === true,
    },
  });
}
