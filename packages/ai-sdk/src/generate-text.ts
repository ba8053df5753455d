/**
 * A traced `generateText` in the shape of the AI SDK's, built on core's `callLLM` with tools: an
 * AI SDK-style agent (`system`, `prompt`, `tools` with `execute`) becomes optimizable by changing
 * its import, then marking what may change as trainable (a `node(…, { trainable: true })` system
 * prompt or tool description, a `bundle(…, { trainable: true })` tool implementation). The answer
 * comes back as a traced node, so feedback on it reaches every trainable input.
 */
import {
  type CallLLMOptions,
  callLLM,
  type LanguageModel,
  type LLMTool,
  type MaybeNode,
  type MessageNode,
  Node,
  type TokenUsage,
  tool,
} from "@trace-ts/core";
import type { ContentPart, ToolChoice } from "@trace-ts/core/provider";
import { type AISDKLanguageModel, fromAISDK } from "./model.js";

/** A JSON Schema object, or an AI SDK schema carrying one in `.jsonSchema` (`jsonSchema({...})`, `zodSchema(z)`). */
export type ToolInputSchema =
  | Readonly<Record<string, unknown>>
  | {
      /** The JSON Schema the AI SDK schema carries (or a promise of it). */
      readonly jsonSchema: Readonly<Record<string, unknown>> | PromiseLike<Readonly<Record<string, unknown>>>;
    };

/** What an AI SDK-style tool's `execute` receives after the input. */
export interface ToolExecuteOptions {
  /** The id of the call being answered. */
  readonly toolCallId: string;
  /** The `abortSignal` given to `generateText`. */
  readonly abortSignal: AbortSignal | undefined;
}

/**
 * A tool in the AI SDK's shape: `description`, `inputSchema` and `execute(input)`. `description`
 * may be a (trainable) node; `execute` may be a bundled function taking the input object (then
 * its calls are traced and its code can be trained), or a plain function (sync or async), which
 * also receives {@link ToolExecuteOptions}.
 */
export interface AISDKStyleTool {
  /** What the tool does and when to use it; a node holding the text may be trainable. */
  readonly description?: MaybeNode<string>;
  /** The arguments: a JSON Schema object, or an AI SDK schema carrying `.jsonSchema`. */
  readonly inputSchema: ToolInputSchema;
  /** Runs the tool on the model's arguments (an object fitting `inputSchema`). */
  readonly execute: (input: never, options: ToolExecuteOptions) => unknown;
}

/**
 * One tool of {@link GenerateTextOptions.tools}: an AI SDK-style tool, a bundled function (name,
 * description and parameters from the bundle; arguments passed by parameter name), or an `LLMTool`
 * made with core's `tool()`.
 */
export type GenerateTextTool = AISDKStyleTool | LLMTool | ((...args: never[]) => unknown);

/** A user message's content in the AI SDK's shape: text, or text and image parts. */
export type AISDKUserContent =
  | MaybeNode<string>
  | readonly (
      | {
          /** Discriminator. */
          readonly type: "text";
          /** The text. */
          readonly text: string;
        }
      | {
          /** Discriminator. */
          readonly type: "image";
          /** `https://…` URL or `data:<type>;base64,…` URL of the image. */
          readonly image: string | URL;
          /** The image's media type, when known. */
          readonly mediaType?: string;
        }
    )[];

/** A message of {@link GenerateTextOptions.messages}: system instructions or a user turn. */
export type GenerateTextMessage =
  | {
      /** System instructions. */
      readonly role: "system";
      /** The instructions: text or a (trainable) node. */
      readonly content: MaybeNode<string>;
    }
  | {
      /** A user turn. */
      readonly role: "user";
      /** Text, a (trainable) node, or text and image parts. */
      readonly content: AISDKUserContent;
    };

/** Tool choice in the AI SDK's shape (or trace-ts's `{ tool }`). */
export type GenerateTextToolChoice =
  | "auto"
  | "none"
  | "required"
  | {
      /** Discriminator: one named tool (the AI SDK's shape). */
      readonly type: "tool";
      /** The tool the model must call. */
      readonly toolName: string;
    }
  | {
      /** The tool the model must call (trace-ts's shape). */
      readonly tool: string;
    };

/** Options of {@link generateText}, named as the AI SDK names them. */
export interface GenerateTextOptions {
  /** An AI SDK model (v2 or v3, adapted with `fromAISDK`) or a trace-ts model; default: the container's default model. */
  readonly model?: LanguageModel | AISDKLanguageModel | undefined;
  /** The system prompt: text or a (trainable) node. */
  readonly system?: MaybeNode<string> | undefined;
  /** The user prompt: text or a (trainable) node. Give `prompt` or `messages`. */
  readonly prompt?: MaybeNode<string> | undefined;
  /**
   * Messages instead of `prompt`: user turns (text, nodes, or text and image parts) and at most one
   * system prompt in all (here or in `system`, so that it is one node). Assistant and tool turns (a
   * conversation history) are not supported.
   */
  readonly messages?: readonly GenerateTextMessage[] | undefined;
  /** Tools by name, as in the AI SDK. */
  readonly tools?: Readonly<Record<string, GenerateTextTool>> | undefined;
  /** Whether and which tool the model must call. */
  readonly toolChoice?: GenerateTextToolChoice | undefined;
  /**
   * Most model calls (steps) in one run with tools (default 8, `callLLM`'s). The AI SDK's
   * `stopWhen: stepCountIs(n)` is `maxSteps: n`.
   */
  readonly maxSteps?: number | undefined;
  /** Upper bound on generated tokens per model call. */
  readonly maxOutputTokens?: number | undefined;
  /** Sampling temperature. */
  readonly temperature?: number | undefined;
  /** Sampling seed, where the provider supports it. */
  readonly seed?: number | undefined;
  /** Aborts the run (model calls and the `signal` tools receive); rejects with `CancelledError`. */
  readonly abortSignal?: AbortSignal | undefined;
  /** Name base of the answer node (default `callLLM`). */
  readonly name?: string | undefined;
}

/** A tool call the run made, as `generateText` reports it. */
export interface GenerateTextToolCall {
  /** The tool's name. */
  readonly toolName: string;
  /** The arguments as the model wrote them (JSON text). */
  readonly arguments: string;
  /** 1-based step (model call) that asked for it. */
  readonly step: number;
  /** false when the arguments did not fit or the tool threw (the model got the error text). */
  readonly ok: boolean;
}

/** What {@link generateText} returns. */
export interface GenerateTextResult {
  /** The final text of the model. */
  readonly text: string;
  /** The traced answer: send feedback on it backward (`optimizer.backward(result.node, feedback)`). */
  readonly node: MessageNode<string>;
  /** Every tool call of the run, in order. */
  readonly toolCalls: readonly GenerateTextToolCall[];
  /** How many model calls the run made (1 without tool calls). */
  readonly steps: number;
  /** Tokens used, summed over the steps. */
  readonly usage: TokenUsage;
  /** Why the last step ended (`tool_calls` when `maxSteps` ran out while the model still called tools). */
  readonly finishReason: string;
}

const adapted = new WeakMap<object, LanguageModel>();

/**
 * Generates text like the AI SDK's `generateText`, as a traced `callLLM`: `system`, `prompt`, user
 * messages and tool descriptions may be trainable nodes, tools may be bundled functions, and the
 * result carries the answer `node` to send feedback to. Model failures other than cancellations
 * and spent budgets throw `ExecutionError` (its `exceptionNode` is feedback too); a failing tool
 * sends its error to the model.
 *
 * @example
 * const system = node("You are a weather assistant.", { trainable: true, name: "system" });
 * const weather = bundle(async function weather(input: { city: string }) { return `${input.city}: 21°C`; },
 *   { trainable: true });
 * const { text, node: answer } = await generateText({
 *   model: fromAISDK(openai("gpt-4o-mini")), system, prompt: "Weather in Oslo?",
 *   tools: { weather: { description: "Weather of a city", inputSchema: { type: "object",
 *     properties: { city: { type: "string" } }, required: ["city"] }, execute: weather } },
 * });
 *
 * @param options model, prompts, tools and settings
 */
export async function generateText(options: GenerateTextOptions): Promise<GenerateTextResult> {
  if (options === null || typeof options !== "object") {
    throw new TypeError("generateText: pass an options object ({ model, system, prompt, tools, … })");
  }
  const { system, users } = prompts(options);
  const tools = options.tools === undefined ? undefined : await toLLMTools(options.tools);
  const model = options.model === undefined ? undefined : toModel(options.model);
  const callOptions: CallLLMOptions = {
    model,
    tools,
    toolChoice: options.toolChoice === undefined ? undefined : toToolChoice(options.toolChoice),
    maxSteps: options.maxSteps,
    maxTokens: options.maxOutputTokens,
    temperature: options.temperature,
    seed: options.seed,
    signal: options.abortSignal,
    name: options.name,
  };
  const answer = await callLLM(system, users.length === 1 ? users[0]! : users, callOptions);
  const info = answer.info as {
    readonly usage?: TokenUsage;
    readonly steps?: number;
    readonly finishReason?: string;
    readonly toolCalls?: readonly { name: string; arguments: string; step: number; ok: boolean }[];
  };
  return {
    text: answer.data,
    node: answer,
    toolCalls: (info.toolCalls ?? []).map((c) => ({
      toolName: c.name,
      arguments: c.arguments,
      step: c.step,
      ok: c.ok,
    })),
    steps: info.steps ?? 1,
    usage: info.usage ?? { inputTokens: 0, outputTokens: 0 },
    finishReason: info.finishReason ?? "other",
  };
}

type UserPrompt = MaybeNode<string> | readonly ContentPart[];

function prompts(options: GenerateTextOptions): {
  system: MaybeNode<string> | undefined;
  users: UserPrompt[];
} {
  const hasPrompt = options.prompt !== undefined;
  const hasMessages = options.messages !== undefined;
  if (hasPrompt === hasMessages) {
    throw new TypeError("generateText: give either prompt or messages (not both)");
  }
  if (hasPrompt) return { system: options.system, users: [options.prompt!] };
  const systems: MaybeNode<string>[] = options.system === undefined ? [] : [options.system];
  const users: UserPrompt[] = [];
  for (const [i, m] of options.messages!.entries()) {
    if (m?.role === "system") systems.push(m.content);
    else if (m?.role === "user") users.push(userContent(m.content, i));
    else {
      throw new TypeError(
        `generateText: message ${i} has role ${JSON.stringify((m as { role?: unknown })?.role)}; ` +
          "only system and user messages are supported (a conversation history with assistant or tool turns is not)",
      );
    }
  }
  if (users.length === 0) throw new TypeError("generateText: messages need at least one user message");
  if (systems.length > 1) {
    throw new TypeError(
      "generateText: give one system prompt (in system or one system message), so that it is one node",
    );
  }
  return { system: systems[0], users };
}

function userContent(content: AISDKUserContent, index: number): UserPrompt {
  if (typeof content === "string" || content instanceof Node) return content;
  if (!Array.isArray(content)) {
    throw new TypeError(`generateText: message ${index}: content must be text, a node, or an array of parts`);
  }
  return content.map((p): ContentPart => {
    if (p.type === "text") return { type: "text", text: p.text };
    if (p.type === "image") {
      const url = p.image instanceof URL ? p.image.href : p.image;
      if (!/^(https?:|data:)/.test(url)) {
        throw new TypeError(
          `generateText: message ${index}: an image must be a URL or a data URL (base64 data without one needs "data:<type>;base64,")`,
        );
      }
      return { type: "image", url, ...(p.mediaType !== undefined ? { mediaType: p.mediaType } : {}) };
    }
    throw new TypeError(
      `generateText: message ${index}: unsupported part type ${JSON.stringify((p as { type?: unknown }).type)}`,
    );
  });
}

function toModel(model: LanguageModel | AISDKLanguageModel): LanguageModel {
  const m = model as Partial<LanguageModel> & object;
  if (
    typeof m.generate === "function" &&
    (m.specificationVersion === "v1" || m.specificationVersion === "v2")
  ) {
    return model as LanguageModel;
  }
  let ours = adapted.get(model);
  if (ours === undefined) {
    ours = fromAISDK(model as AISDKLanguageModel);
    adapted.set(model, ours);
  }
  return ours;
}

function toToolChoice(choice: GenerateTextToolChoice): ToolChoice {
  if (typeof choice === "string") return choice;
  if ("toolName" in choice) return { tool: choice.toolName };
  return choice;
}

async function toLLMTools(tools: Readonly<Record<string, GenerateTextTool>>): Promise<LLMTool[]> {
  if (tools === null || typeof tools !== "object" || Array.isArray(tools)) {
    throw new TypeError("generateText: tools must be an object of tools by name, as in the AI SDK");
  }
  const out: LLMTool[] = [];
  for (const [name, t] of Object.entries(tools)) {
    if (typeof t === "function") out.push(tool(t, { name }));
    else if (isLLMTool(t)) out.push(t.name === name ? t : { ...t, name, run: t.run.bind(t) });
    else if (t !== null && typeof t === "object" && typeof (t as AISDKStyleTool).execute === "function") {
      out.push(await fromAISDKStyle(name, t as AISDKStyleTool));
    } else {
      throw new TypeError(
        `generateText: tool ${name} must be { description, inputSchema, execute }, a bundled function, or tool(…); ` +
          "a tool without execute (answered by the client) is not supported",
      );
    }
  }
  return out;
}

function isLLMTool(t: GenerateTextTool): t is LLMTool {
  return t !== null && typeof t === "object" && typeof (t as LLMTool).run === "function" && "parameters" in t;
}

async function fromAISDKStyle(name: string, t: AISDKStyleTool): Promise<LLMTool> {
  const parameters = await jsonSchemaOf(name, t.inputSchema);
  const execute = t.execute as (input: unknown, options?: ToolExecuteOptions) => unknown;
  // a bundle records every argument as an input: give it only the input, as its code expects
  const bundled = typeof (execute as { getSource?: unknown }).getSource === "function";
  return {
    name,
    description: t.description ?? "",
    parameters,
    run: (args, context) =>
      bundled ? execute(args) : execute(args, { toolCallId: context.call.id, abortSignal: context.signal }),
  };
}

async function jsonSchemaOf(
  name: string,
  schema: ToolInputSchema,
): Promise<Readonly<Record<string, unknown>>> {
  if (schema === null || typeof schema !== "object") {
    throw new TypeError(
      `generateText: tool ${name} needs an inputSchema (a JSON Schema object or jsonSchema(…))`,
    );
  }
  if ("jsonSchema" in schema && schema.jsonSchema !== undefined) {
    const resolved: unknown = await schema.jsonSchema;
    if (resolved !== null && typeof resolved === "object")
      return resolved as Readonly<Record<string, unknown>>;
  }
  if ("~standard" in schema || "_def" in schema) {
    throw new TypeError(
      `generateText: the inputSchema of tool ${name} is a schema-library object; wrap it with zodSchema(…) or jsonSchema(…) from "ai", or give a JSON Schema`,
    );
  }
  return schema as Readonly<Record<string, unknown>>;
}
