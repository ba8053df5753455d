/**
 * `callLLM`: the traced language-model operator. Its result is a `MessageNode<string>` whose
 * parents are the prompt nodes, so feedback on the answer flows back to trainable prompts.
 * It lives with the other operations (not in `llm/`) because it takes the default model from a DI
 * container: `ops/` may import `di/`, `llm/` may not.
 *
 * With tools (contract v2) one `callLLM` is an exchange of several model calls: the model asks
 * for tool calls, the tools run (bundled ones traced), their results go back, until the model
 * answers in text or `maxSteps` is reached.
 */
import type { DependencyContainer } from "tsyringe";
import { getDefaultLanguageModel } from "../di/container.js";
import { ExecutionError } from "../errors/execution-error.js";
import { findStopError } from "../errors/stop-error.js";
import { currentTraceState } from "../graph/context.js";
import { describeError, ExceptionNode, type MaybeNode, MessageNode, Node } from "../graph/node.js";
import {
  assistantToolCallMessage,
  checkContract,
  checkToolName,
  toolResultMessage,
  userMessage,
} from "../llm/contract.js";
import type {
  ChatMessage,
  ContentPart,
  GenerateRequest,
  GenerateResult,
  LanguageModel,
  TokenUsage,
  ToolCall,
  ToolChoice,
  ToolDefinition,
} from "../llm/types.js";
import { validateOptions } from "../util/options.js";
import { generateInstrumented } from "./llm-span.js";
import type { LLMTool } from "./llm-tools.js";
import { collectInputs } from "./record.js";
import { checkToolSchema, readToolArguments } from "./tool-arguments.js";

/** Every field of `T` optional and also accepting an explicit `undefined`. */
type Settings<T> = { readonly [K in keyof T]?: T[K] | undefined };

/**
 * Options of {@link callLLM}: the model to use plus the request settings. Every field may also be
 * given as `undefined` (same as leaving it out), so `{ signal }` with `signal: AbortSignal |
 * undefined` type-checks under `exactOptionalPropertyTypes`.
 */
export interface CallLLMOptions extends Settings<Omit<GenerateRequest, "messages" | "tools">> {
  /** The model (default: the default model of `container`). */
  readonly model?: LanguageModel | undefined;
  /** Container to take the default model from (default: the root container). */
  readonly container?: DependencyContainer | undefined;
  /** Name base of the result node (default `callLLM`). */
  readonly name?: string | undefined;
  /**
   * Contract v2: tools the model may call (see `tool()`); the exchange goes on until the model
   * answers without tool calls or `maxSteps` model calls were made. Needs a v2 model.
   */
  readonly tools?: readonly LLMTool[] | undefined;
  /**
   * Most model calls in one exchange with tools (default 8). When the last one still asks for
   * tools, its text is returned with `info.finishReason` `tool_calls`.
   */
  readonly maxSteps?: number | undefined;
}

/** One user prompt of {@link callLLM}: text, or text and image parts (contract v2), or a node holding either. */
export type UserPrompt = MaybeNode<string> | MaybeNode<readonly ContentPart[]>;

/** A tool call of an exchange, as `info.toolCalls` of the answer records it. */
export interface RecordedToolCall {
  /** The tool's name, as the model wrote it. */
  readonly name: string;
  /** The arguments as the model wrote them (JSON text). */
  readonly arguments: string;
  /** 1-based model call (step) that asked for it. */
  readonly step: number;
  /** false when the arguments could not be used or the tool threw (the model got the error text). */
  readonly ok: boolean;
}

/** Operation name recorded on the result node. */
export const CALL_LLM_OP = "callLLM";

/** Default of `CallLLMOptions.maxSteps`. */
export const DEFAULT_MAX_STEPS = 8;

const DESCRIPTION_ONE =
  "Sends the system prompt system and the user prompt user to a language model and returns the text of its reply.";
const DESCRIPTION_MANY =
  "Sends the system prompt system and the user prompts user0, user1, … (in that order) to a language model " +
  "and returns the text of its reply.";
const DESCRIPTION_TOOLS =
  " The model may call the tools described by tools.<name>.description; their results toolResult0, " +
  "toolResult1, … (in call order) are sent back to it until it replies in text.";

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
  tools: "object",
  maxSteps: "integer",
} as const;

/**
 * Calls a language model as a traced operation. `system` and `user` may be nodes (e.g. trainable
 * prompt parameters) or strings; strings become constant nodes while tracing. A user prompt may
 * also be an array of content parts (text and images, contract v2), or a node holding one. The
 * result node's inputs are `system` and `user` (or `user0`, `user1`, … for several user
 * prompts), and its `info` records the model, usage and finish reason.
 *
 * With `tools` (contract v2) the model may call them: each call's JSON arguments are parsed and
 * checked (problems go back to the model as the tool's result, they are not thrown), the tool
 * runs, and its result goes back as a `tool` message, until the model answers without tool calls
 * or `maxSteps` calls were made. The answer's inputs then also include each tool's description
 * (`tools.<name>.description`) and each tool result node (`toolResult0`, `toolResult1`, … in call
 * order: a bundled tool's traced result or `ExceptionNode`), so feedback reaches trainable
 * descriptions and tool code; `info` adds `steps`, `toolCalls` and the usage summed over steps.
 *
 * A cancellation (`CancelledError`) or budget refusal (`BudgetExceededError`) is rethrown as it
 * is, also from a tool: it ends the run rather than being feedback (see `findStopError`). Any
 * other model failure is recorded as an `ExceptionNode` with the same inputs and an
 * `ExecutionError` is thrown (its `cause` is the model's error, e.g. `InvalidRequestError` when a
 * v1 model is given tools or images, and its `exceptionNode` can be sent backward as feedback).
 *
 * @example
 * const prompt = node("You are terse.", { trainable: true, name: "system_prompt" });
 * const answer = await callLLM(prompt, "What is 2+2?", { model });
 * answer.data;    // the reply text
 * answer.parents; // [prompt, str:…]
 *
 * @param system the system prompt, or `undefined`/`null` for none
 * @param user one user prompt, or several sent as consecutive user messages
 * @param options model (or container), request settings, tools
 */
export async function callLLM(
  system: MaybeNode<string> | null | undefined,
  user: UserPrompt | readonly UserPrompt[],
  options: CallLLMOptions = {},
): Promise<MessageNode<string>> {
  if (options === null || typeof options !== "object") validateOptions("callLLM", options, SCHEMA); // throws
  const { toolChoice, ...checked } = options;
  validateOptions("callLLM", checked, SCHEMA);
  if (toolChoice !== undefined && !isToolChoice(toolChoice)) {
    throw new TypeError(
      `callLLM: toolChoice must be "auto", "none", "required" or { tool: name }, got ${JSON.stringify(toolChoice)}`,
    );
  }
  const tools = checkTools(options.tools);
  const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
  if (maxSteps < 1) throw new RangeError(`callLLM: maxSteps must be at least 1, got ${maxSteps}`);
  const several = Array.isArray(user) && !isContentParts(user);
  const users: readonly UserPrompt[] = several ? (user as readonly UserPrompt[]) : [user as UserPrompt];
  if (users.length === 0) throw new TypeError("callLLM: give at least one user prompt");
  const raw: Record<string, unknown> = {};
  if (system !== undefined && system !== null) raw.system = system;
  if (several) {
    for (let i = 0; i < users.length; i++) raw[`user${i}`] = users[i]!;
  } else raw.user = users[0]!;
  for (const t of tools) raw[`tools.${t.name}.description`] = t.description;
  const tracing = currentTraceState().tracing;
  const { values, nodes } = collectInputs(raw);
  for (const [k, v] of Object.entries(values)) {
    if (k === "system" || k.startsWith("tools.")) {
      if (typeof v !== "string") {
        const what = k === "system" ? "the system prompt" : `the description of tool ${k.slice(6, -12)}`;
        throw new TypeError(`callLLM: ${what} must be a string (or a node holding one), got ${typeof v}`);
      }
    } else if (typeof v !== "string" && !isContentParts(v)) {
      throw new TypeError(
        `callLLM: the ${k} prompt must be a string or an array of content parts (or a node holding one), got ${typeof v}`,
      );
    }
  }
  const description =
    (several ? DESCRIPTION_MANY : DESCRIPTION_ONE) + (tools.length > 0 ? DESCRIPTION_TOOLS : "");
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
  for (const key of several ? users.map((_, i) => `user${i}`) : ["user"]) {
    const v = values[key] as string | readonly ContentPart[];
    messages.push(typeof v === "string" ? { role: "user", content: v } : userMessage(...v));
  }

  const { model: _m, container: _c, name: _n, tools: _t, maxSteps: _s, ...given } = options;
  // a setting given as undefined is left out, so the request (and its cache key) is as if absent
  const settings = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as Omit<
    GenerateRequest,
    "messages"
  >;
  const definitions: ToolDefinition[] = tools.map((t) => ({
    name: t.name,
    description: values[`tools.${t.name}.description`] as string,
    parameters: t.parameters,
  }));
  const base: Omit<GenerateRequest, "messages"> =
    definitions.length > 0 ? { ...settings, tools: definitions } : settings;

  const byName = new Map(tools.map((t) => [t.name, t]));
  const recorded: RecordedToolCall[] = [];
  let usage: TokenUsage | undefined;
  let allCached = true;
  let result: GenerateResult;
  let steps = 0;
  for (;;) {
    try {
      // a copy per step: the model (and any recorder of requests) keeps what it was sent
      const request: GenerateRequest = { ...base, messages: [...messages] };
      checkContract(model, request); // a bare v1 model would drop the tools or images silently
      result = await generateInstrumented(model, request, options.purpose ?? "agent");
    } catch (error) {
      return fail(error);
    }
    steps++;
    if (typeof result?.text !== "string") {
      return fail(new TypeError(`model ${model.provider}:${model.modelId} returned a result without text`));
    }
    usage = usage === undefined ? result.usage : addUsage(usage, result.usage);
    allCached &&= result.cached === true;
    const calls = tools.length > 0 ? (result.toolCalls ?? []) : [];
    if (calls.length === 0 || steps >= maxSteps) break;
    const outcomes = await Promise.all(calls.map((call) => runToolCall(call, byName, options.signal)));
    messages.push(assistantToolCallMessage(result.text, calls));
    for (let i = 0; i < calls.length; i++) {
      const call = calls[i]!;
      const outcome = outcomes[i]!;
      if (outcome.stop !== undefined) throw outcome.stop;
      messages.push(toolResultMessage(call, outcome.text));
      const index = recorded.length;
      recorded.push({ name: call.name, arguments: call.arguments, step: steps, ok: outcome.ok });
      if (tracing) nodes[`toolResult${index}`] = outcome.node ?? new Node(outcome.text);
    }
  }
  const exhausted = tools.length > 0 && (result.toolCalls?.length ?? 0) > 0;
  return new MessageNode(result.text, {
    op: CALL_LLM_OP,
    description,
    inputs: nodes,
    ...(name ? { name } : {}),
    info: {
      model: `${model.provider}:${model.modelId}`,
      responseModel: result.model,
      usage: usage ?? result.usage,
      finishReason: exhausted ? "tool_calls" : result.finishReason,
      cached: allCached,
      ...(tools.length > 0 ? { steps, toolCalls: recorded } : {}),
    },
  });
}

/** What running one tool call gave: the text for the model, the traced node, or an error that ends the run. */
interface ToolOutcome {
  readonly text: string;
  readonly ok: boolean;
  readonly node?: Node | undefined;
  readonly stop?: Error | undefined;
}

/** Runs one tool call; never rejects (a stop error is returned in `stop`). */
async function runToolCall(
  call: ToolCall,
  tools: ReadonlyMap<string, LLMTool>,
  signal: AbortSignal | undefined,
): Promise<ToolOutcome> {
  const target = tools.get(call.name);
  if (target === undefined) {
    const known = [...tools.keys()].join(", ");
    return { ok: false, text: `Error: there is no tool named "${call.name}" (the tools are: ${known}).` };
  }
  const reading = readToolArguments(call.arguments, target.parameters);
  if (!reading.ok) {
    return {
      ok: false,
      text: `Error: ${reading.problem}. Call ${call.name} again with arguments that fit its parameters.`,
    };
  }
  try {
    const value = await target.run(reading.args, { call, signal });
    if (value instanceof ExceptionNode)
      return { ok: false, text: `Error: ${call.name} threw ${value.data}`, node: value };
    if (value instanceof Node) return { ok: true, text: resultText(value.data), node: value };
    return { ok: true, text: resultText(value) };
  } catch (error) {
    const stop = findStopError(error);
    if (stop !== undefined) return { ok: false, text: "", stop };
    if (error instanceof ExecutionError) {
      return {
        ok: false,
        text: `Error: ${call.name} threw ${error.exceptionNode.data}`,
        node: error.exceptionNode,
      };
    }
    return { ok: false, text: `Error: ${call.name} threw ${describeError(error)}` };
  }
}

/** A tool's result as the text sent back: strings as they are, other values as JSON. */
function resultText(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  const sum: { -readonly [K in keyof TokenUsage]: TokenUsage[K] } = {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
  };
  if (a.cacheReadTokens !== undefined || b.cacheReadTokens !== undefined)
    sum.cacheReadTokens = (a.cacheReadTokens ?? 0) + (b.cacheReadTokens ?? 0);
  if (a.cacheWriteTokens !== undefined || b.cacheWriteTokens !== undefined)
    sum.cacheWriteTokens = (a.cacheWriteTokens ?? 0) + (b.cacheWriteTokens ?? 0);
  return sum;
}

function checkTools(tools: readonly LLMTool[] | undefined): readonly LLMTool[] {
  if (tools === undefined) return [];
  if (!Array.isArray(tools)) throw new TypeError("callLLM: tools must be an array of tools (see tool())");
  const seen = new Set<string>();
  for (const t of tools as readonly LLMTool[]) {
    if (t === null || typeof t !== "object" || typeof t.run !== "function") {
      throw new TypeError("callLLM: each tool must be { name, description, parameters, run } (see tool())");
    }
    checkToolName("callLLM", t.name);
    if (seen.has(t.name)) throw new TypeError(`callLLM: two tools are named "${t.name}"`);
    seen.add(t.name);
    if (t.parameters === null || typeof t.parameters !== "object" || Array.isArray(t.parameters)) {
      throw new TypeError(`callLLM: the parameters of tool ${t.name} must be a JSON Schema object`);
    }
    try {
      checkToolSchema(t.parameters);
    } catch (error) {
      throw new TypeError(`callLLM: tool ${t.name}: ${(error as Error).message}`);
    }
  }
  return tools;
}

function isToolChoice(value: unknown): value is ToolChoice {
  if (value === "auto" || value === "none" || value === "required") return true;
  return (
    typeof value === "object" && value !== null && typeof (value as { tool?: unknown }).tool === "string"
  );
}

/** Whether `value` is an array of text and image parts (not nodes, not strings). */
function isContentParts(value: unknown): value is readonly ContentPart[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every(
      (p) =>
        p !== null &&
        typeof p === "object" &&
        !(p instanceof Node) &&
        ((p.type === "text" && typeof p.text === "string") ||
          (p.type === "image" && typeof p.url === "string")),
    )
  );
}
