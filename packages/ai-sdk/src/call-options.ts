/**
 * A trace-ts `GenerateRequest` as the call options of an AI SDK model's `doGenerate`. The subset
 * sent (system, user text and file parts, assistant text and tool-call parts, tool results as
 * text, function tools, tool choice, JSON response formats, max output tokens, temperature, seed,
 * abort signal, headers, provider options) has the same shape in specification v2 and v3, so one
 * builder serves both.
 */
import type {
  LanguageModelV3CallOptions,
  LanguageModelV3FilePart,
  LanguageModelV3FunctionTool,
  LanguageModelV3Message,
  LanguageModelV3Prompt,
  LanguageModelV3TextPart,
  LanguageModelV3ToolCallPart,
  LanguageModelV3ToolChoice,
  LanguageModelV3ToolResultPart,
  SharedV3ProviderOptions,
} from "@ai-sdk/provider";
import type { ChatMessage, ContentPart, GenerateRequest, ToolChoice } from "@trace-ts/core/provider";
import { InvalidRequestError } from "@trace-ts/core/provider";

/** What the builder needs besides the request. */
export interface CallOptionsContext {
  /** Provider name, for error messages. */
  readonly provider: string;
  /** Model id, for error messages. */
  readonly modelId: string;
  /** The signal to hand to the model (the call's own, linked to the request's). */
  readonly abortSignal: AbortSignal;
  /** Extra HTTP headers for every call. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** Provider-specific options for every call. */
  readonly providerOptions?: SharedV3ProviderOptions | undefined;
}

/**
 * The `doGenerate` call options for `request`.
 *
 * @param request the trace-ts request
 * @param ctx the call's signal, headers and provider options
 */
export function toCallOptions(request: GenerateRequest, ctx: CallOptionsContext): LanguageModelV3CallOptions {
  const invalid = (what: string): InvalidRequestError =>
    new InvalidRequestError(`${ctx.provider}:${ctx.modelId}: ${what}`, {
      provider: ctx.provider,
      modelId: ctx.modelId,
    });
  if (!Array.isArray(request?.messages) || request.messages.length === 0) {
    throw invalid("the request has no messages");
  }
  const options: LanguageModelV3CallOptions = {
    prompt: toPrompt(request.messages, invalid),
    abortSignal: ctx.abortSignal,
  };
  if (request.maxTokens !== undefined) options.maxOutputTokens = request.maxTokens;
  if (request.temperature !== undefined) options.temperature = request.temperature;
  if (request.seed !== undefined) options.seed = request.seed;
  const format = request.responseFormat;
  if (format?.type === "json") options.responseFormat = { type: "json" };
  else if (format?.type === "json_schema") {
    options.responseFormat = { type: "json", name: format.name, schema: { ...format.schema } };
  }
  if (request.tools !== undefined && request.tools.length > 0) {
    options.tools = request.tools.map(
      (t): LanguageModelV3FunctionTool => ({
        type: "function",
        name: t.name,
        description: t.description,
        inputSchema: { ...t.parameters },
      }),
    );
  }
  if (request.toolChoice !== undefined) options.toolChoice = toToolChoice(request.toolChoice);
  if (ctx.headers !== undefined) options.headers = { ...ctx.headers };
  if (ctx.providerOptions !== undefined) options.providerOptions = ctx.providerOptions;
  return options;
}

function toToolChoice(choice: ToolChoice): LanguageModelV3ToolChoice {
  return typeof choice === "string" ? { type: choice } : { type: "tool", toolName: choice.tool };
}

function toPrompt(
  messages: readonly ChatMessage[],
  invalid: (what: string) => InvalidRequestError,
): LanguageModelV3Prompt {
  const prompt: LanguageModelV3Message[] = [];
  for (const [index, m] of messages.entries()) {
    switch (m.role) {
      case "system":
        prompt.push({ role: "system", content: m.content });
        break;
      case "user":
        prompt.push({ role: "user", content: userContent(m, index, invalid) });
        break;
      case "assistant":
        prompt.push({ role: "assistant", content: assistantContent(m) });
        break;
      case "tool": {
        if (m.toolCallId === undefined || m.toolCallId === "") {
          throw invalid(
            `message ${index} (role "tool") has no toolCallId: build it with toolResultMessage(call, result)`,
          );
        }
        const part: LanguageModelV3ToolResultPart = {
          type: "tool-result",
          toolCallId: m.toolCallId,
          toolName: m.toolName ?? "",
          output: { type: "text", value: m.content },
        };
        const last = prompt.at(-1);
        // results of one assistant turn's calls travel in one tool message, as the AI SDK sends them
        if (last?.role === "tool") last.content.push(part);
        else prompt.push({ role: "tool", content: [part] });
        break;
      }
      default:
        throw invalid(
          `message ${index} has an unknown role ${JSON.stringify((m as { role: unknown }).role)}`,
        );
    }
  }
  return prompt;
}

function userContent(
  m: ChatMessage,
  index: number,
  invalid: (what: string) => InvalidRequestError,
): (LanguageModelV3TextPart | LanguageModelV3FilePart)[] {
  if (m.parts === undefined) return [{ type: "text", text: m.content }];
  return m.parts.map((p) =>
    p.type === "text" ? { type: "text", text: p.text } : imagePart(p, index, invalid),
  );
}

function imagePart(
  p: Extract<ContentPart, { type: "image" }>,
  index: number,
  invalid: (what: string) => InvalidRequestError,
): LanguageModelV3FilePart {
  if (p.url.startsWith("data:")) {
    const match = /^data:([^;,]+)?((?:;[^;,]*)*);base64,(.*)$/s.exec(p.url);
    if (match === null) {
      throw invalid(`message ${index}: an image data URL must be base64 (data:<media type>;base64,<data>)`);
    }
    return { type: "file", mediaType: p.mediaType ?? match[1] ?? "image/*", data: match[3] ?? "" };
  }
  let url: URL;
  try {
    url = new URL(p.url);
  } catch {
    throw invalid(
      `message ${index}: an image URL must be https://… or a data URL, got ${JSON.stringify(p.url.slice(0, 60))}`,
    );
  }
  return { type: "file", mediaType: p.mediaType ?? "image/*", data: url };
}

function assistantContent(m: ChatMessage): (LanguageModelV3TextPart | LanguageModelV3ToolCallPart)[] {
  const content: (LanguageModelV3TextPart | LanguageModelV3ToolCallPart)[] = [];
  if (m.content !== "" || m.toolCalls === undefined || m.toolCalls.length === 0) {
    content.push({ type: "text", text: m.content });
  }
  for (const call of m.toolCalls ?? []) {
    content.push({
      type: "tool-call",
      toolCallId: call.id,
      toolName: call.name,
      input: parseArguments(call.arguments),
    });
  }
  return content;
}

/** Tool-call arguments as the object the AI SDK's prompt carries; text that is not JSON stays text. */
function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
