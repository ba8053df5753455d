/**
 * One model call as a unit of work of the current instrumentation (`model.call`), with the
 * OpenTelemetry GenAI attributes: what was asked (provider, model, temperature, token limit), what
 * came back (response model, tokens, finish reason, whether it was cached), and — only when the
 * instrumentation captures content — the messages sent and the answer, redacted and capped.
 *
 * Every model call trace-ts makes goes through {@link generateInstrumented} exactly once, at the
 * place that calls `model.generate` (`callLLM`, the optimizers' `ModelCallLog`, the trainer's
 * judge); middleware layers (retry, cache, budget) are inside that one call, so a call is one span
 * whatever the stack of wrappers.
 */
import { rootErrorCode } from "../errors/trace-error.js";
import { knownSecrets, redactString } from "../llm/redact.js";
import type { ChatMessage, GenerateRequest, GenerateResult, LanguageModel } from "../llm/types.js";
import {
  getInstrumentation,
  instrument,
  type SpanAttributes,
  type SpanStart,
} from "../util/instrumentation.js";

/** Longest text of one message part kept in captured content; longer text is cut with a marker. */
export const MAX_CAPTURED_PART_CHARS = 8192;

/** Most messages kept in captured content (the last ones; a marker says how many were left out). */
export const MAX_CAPTURED_MESSAGES = 64;

/**
 * Calls `model.generate(request)` as one `model.call` unit of work of the current instrumentation
 * (just calls it when none is set). The error of a failed call is recorded and passed on unchanged.
 *
 * @param model the model to call
 * @param request the request, sent as it is
 * @param purpose what the call is for (`agent`, `judge`, an optimizer's `propose`, …), recorded as
 *   `trace_ts.call.purpose`
 */
export function generateInstrumented(
  model: LanguageModel,
  request: GenerateRequest,
  purpose: string,
): Promise<GenerateResult> {
  if (getInstrumentation() === undefined) return model.generate(request);
  return instrument(
    () => modelCallStart(model, request, purpose),
    async (span) => {
      const capture = getInstrumentation()?.captureContent === true;
      if (capture) span.setAttributes({ "gen_ai.input.messages": capturedMessages(request.messages) });
      let result: GenerateResult;
      try {
        result = await model.generate(request);
      } catch (error) {
        span.setAttributes({ "error.type": errorType(error) });
        throw error;
      }
      span.setAttributes(resultAttributes(result, capture));
      return result;
    },
  );
}

/** What a model call's span starts with: name `chat <modelId>` and the request's GenAI attributes. */
function modelCallStart(model: LanguageModel, request: GenerateRequest, purpose: string): SpanStart {
  const format = request.responseFormat?.type;
  return {
    operation: "model.call",
    name: `chat ${model.modelId}`,
    attributes: {
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": model.provider,
      "gen_ai.system": model.provider,
      "gen_ai.request.model": model.modelId,
      "gen_ai.request.temperature": request.temperature,
      "gen_ai.request.max_tokens": request.maxTokens,
      "gen_ai.request.seed": request.seed,
      "gen_ai.output.type": format === undefined ? undefined : format === "text" ? "text" : "json",
      "trace_ts.call.purpose": purpose,
      "trace_ts.call.sample": request.sample,
      "trace_ts.call.tools": request.tools === undefined ? undefined : request.tools.map((t) => t.name),
    },
  };
}

/** The attributes known once the model answered. */
function resultAttributes(result: GenerateResult, capture: boolean): SpanAttributes {
  const usage = result?.usage;
  const read = usage?.cacheReadTokens ?? 0;
  const written = usage?.cacheWriteTokens ?? 0;
  return {
    "gen_ai.response.model": typeof result?.model === "string" ? result.model : undefined,
    // the whole prompt, as the conventions count it (trace-ts counts prompt-cache tokens apart)
    "gen_ai.usage.input_tokens": usage === undefined ? undefined : usage.inputTokens + read + written,
    "gen_ai.usage.output_tokens": usage?.outputTokens,
    "gen_ai.usage.cache_read.input_tokens": usage?.cacheReadTokens,
    "gen_ai.usage.cache_creation.input_tokens": usage?.cacheWriteTokens,
    "gen_ai.response.finish_reasons":
      typeof result?.finishReason === "string" ? [result.finishReason] : undefined,
    "trace_ts.cached": result?.cached === true,
    "gen_ai.output.messages": capture && result !== undefined ? capturedAnswer(result) : undefined,
  };
}

/** The error's stable code (`LLM_RATE_LIMIT`, …), else its class name. */
function errorType(error: unknown): string {
  const code = rootErrorCode(error);
  if (code !== undefined) return code;
  return error instanceof Error ? error.name : typeof error;
}

/** A captured message part, in the shape of the GenAI conventions' message parts. */
type CapturedPart =
  | { readonly type: "text"; readonly content: string }
  | { readonly type: "uri"; readonly modality: "image"; readonly uri: string }
  | { readonly type: "tool_call"; readonly id: string; readonly name: string; readonly arguments: string }
  | { readonly type: "tool_call_response"; readonly id: string; readonly response: string };

/** The messages sent, as the JSON text of `gen_ai.input.messages`: redacted, each part capped. */
export function capturedMessages(messages: readonly ChatMessage[]): string {
  const secrets = knownSecrets();
  const left = Math.max(0, messages.length - MAX_CAPTURED_MESSAGES);
  const shown = left > 0 ? messages.slice(left) : messages;
  const out: { role: string; parts: CapturedPart[] }[] = [];
  if (left > 0)
    out.push({ role: "system", parts: [{ type: "text", content: `[${left} earlier messages left out]` }] });
  for (const m of shown) out.push({ role: m.role, parts: messageParts(m, secrets) });
  return JSON.stringify(out);
}

/** The answer, as the JSON text of `gen_ai.output.messages`: redacted, each part capped. */
function capturedAnswer(result: GenerateResult): string {
  const secrets = knownSecrets();
  const parts: CapturedPart[] = [];
  if (typeof result.text === "string" && result.text !== "")
    parts.push({ type: "text", content: captured(result.text, secrets) });
  for (const call of result.toolCalls ?? [])
    parts.push({
      type: "tool_call",
      id: call.id,
      name: call.name,
      arguments: captured(call.arguments, secrets),
    });
  return JSON.stringify([{ role: "assistant", parts, finish_reason: result.finishReason }]);
}

function messageParts(m: ChatMessage, secrets: readonly string[]): CapturedPart[] {
  if (m.role === "tool")
    return [{ type: "tool_call_response", id: m.toolCallId ?? "", response: captured(m.content, secrets) }];
  const parts: CapturedPart[] = [];
  if (m.parts !== undefined && m.parts.length > 0) {
    for (const p of m.parts) {
      if (p.type === "text") parts.push({ type: "text", content: captured(p.text, secrets) });
      // inline images are data, not text to read: only their kind is kept
      else
        parts.push({
          type: "uri",
          modality: "image",
          uri: p.url.startsWith("data:") ? "data:…" : captured(p.url, secrets),
        });
    }
  } else if (m.content !== "") parts.push({ type: "text", content: captured(m.content, secrets) });
  for (const call of m.toolCalls ?? [])
    parts.push({
      type: "tool_call",
      id: call.id,
      name: call.name,
      arguments: captured(call.arguments, secrets),
    });
  return parts;
}

/**
 * Text as captured content: known secrets redacted, cut at {@link MAX_CAPTURED_PART_CHARS}
 * characters with a marker saying how many were left out.
 * @param text the text (a prompt, an answer, a suggested value)
 */
export function capturedText(text: string): string {
  return captured(text, knownSecrets());
}

function captured(text: string, secrets: readonly string[]): string {
  const clean = redactString(text, secrets);
  if (clean.length <= MAX_CAPTURED_PART_CHARS) return clean;
  return `${clean.slice(0, MAX_CAPTURED_PART_CHARS)}… [${clean.length - MAX_CAPTURED_PART_CHARS} more characters]`;
}
