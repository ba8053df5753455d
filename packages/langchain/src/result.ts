/**
 * Reads a LangChain `AIMessage` as a trace-ts `GenerateResult`: text, tool calls, finish reason,
 * token usage and the model that answered.
 */
import type { AIMessage, UsageMetadata } from "@langchain/core/messages";
import type { FinishReason, GenerateResult, TokenUsage, ToolCall } from "@trace-ts/core/provider";

/**
 * The result for a LangChain model's answer.
 *
 * - `text`: the message's text (a string content, or its text blocks joined);
 * - `toolCalls`: `tool_calls` as `{ id, name, arguments }` with the arguments as JSON text (the
 *   provider's own text when it kept it in `additional_kwargs.tool_calls`), then
 *   `invalid_tool_calls` with their text as the model wrote it;
 * - `finishReason`: from `response_metadata` (`finish_reason`, `stop_reason`, `finishReason` or
 *   `done_reason`), else `tool_calls` when there are calls and `stop` otherwise;
 * - `usage`: from `usage_metadata`, with cache reads and writes taken out of `inputTokens`
 *   (LangChain counts them in `input_tokens`; trace-ts reports them apart); zeros when absent;
 * - `model`: `response_metadata.model_name` or `.model`, else `fallbackModel`.
 *
 * @param message what the LangChain model returned
 * @param fallbackModel the model id to report when the response does not name one
 */
export function fromLangChainResult(message: AIMessage, fallbackModel: string): GenerateResult {
  const toolCalls = readToolCalls(message);
  const metadata = (message.response_metadata ?? {}) as Readonly<Record<string, unknown>>;
  const model = stringField(metadata, "model_name") ?? stringField(metadata, "model") ?? fallbackModel;
  return {
    text: message.text,
    ...(toolCalls.length > 0 ? { toolCalls } : {}),
    usage: readUsage(message.usage_metadata),
    finishReason: readFinishReason(metadata, toolCalls.length > 0),
    model,
    raw: message,
  };
}

function readToolCalls(message: AIMessage): ToolCall[] {
  const rawText = rawArgumentsById(message.additional_kwargs);
  const calls: ToolCall[] = [];
  for (const call of message.tool_calls ?? []) {
    const id = call.id ?? `call_${calls.length}`;
    calls.push({ id, name: call.name, arguments: rawText.get(id) ?? JSON.stringify(call.args ?? {}) });
  }
  for (const call of message.invalid_tool_calls ?? []) {
    calls.push({
      id: call.id ?? `call_${calls.length}`,
      name: call.name ?? "",
      arguments: call.args ?? "",
    });
  }
  return calls;
}

/** OpenAI-style models keep the arguments text the model wrote in `additional_kwargs.tool_calls`. */
function rawArgumentsById(kwargs: unknown): Map<string, string> {
  const byId = new Map<string, string>();
  const list = (kwargs as { tool_calls?: unknown } | undefined)?.tool_calls;
  if (!Array.isArray(list)) return byId;
  for (const item of list as unknown[]) {
    const entry = item as { id?: unknown; function?: { arguments?: unknown } } | null;
    if (typeof entry?.id === "string" && typeof entry.function?.arguments === "string") {
      byId.set(entry.id, entry.function.arguments);
    }
  }
  return byId;
}

function readUsage(usage: UsageMetadata | undefined): TokenUsage {
  if (usage === undefined) return { inputTokens: 0, outputTokens: 0 };
  const cacheRead = usage.input_token_details?.cache_read ?? 0;
  const cacheWrite = usage.input_token_details?.cache_creation ?? 0;
  return {
    inputTokens: Math.max(0, (usage.input_tokens ?? 0) - cacheRead - cacheWrite),
    outputTokens: usage.output_tokens ?? 0,
    ...(cacheRead > 0 ? { cacheReadTokens: cacheRead } : {}),
    ...(cacheWrite > 0 ? { cacheWriteTokens: cacheWrite } : {}),
  };
}

const REASON_KEYS = ["finish_reason", "stop_reason", "finishReason", "done_reason"] as const;

/** Finish and stop reasons of the providers LangChain wraps (OpenAI, Anthropic, Google, Ollama, Bedrock, …). */
const REASONS: Readonly<Record<string, FinishReason>> = {
  stop: "stop",
  end_turn: "stop",
  stop_sequence: "stop",
  complete: "stop",
  length: "length",
  max_tokens: "length",
  tool_calls: "tool_calls",
  tool_use: "tool_calls",
  function_call: "tool_calls",
  content_filter: "content_filter",
  safety: "content_filter",
  refusal: "content_filter",
  recitation: "content_filter",
  blocklist: "content_filter",
  prohibited_content: "content_filter",
  guardrail_intervened: "content_filter",
};

function readFinishReason(metadata: Readonly<Record<string, unknown>>, hasToolCalls: boolean): FinishReason {
  for (const key of REASON_KEYS) {
    const value = stringField(metadata, key);
    if (value !== undefined) return REASONS[value.toLowerCase()] ?? "other";
  }
  return hasToolCalls ? "tool_calls" : "stop";
}

function stringField(record: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = record[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}
