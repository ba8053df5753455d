/**
 * The result of an AI SDK model's `doGenerate` (specification v2 or v3) as a trace-ts
 * `GenerateResult`: the text parts joined, client-executed tool calls as `{ id, name, arguments }`,
 * the finish reason, token usage with prompt-cache reads and writes apart, and the model that
 * answered.
 */
import type {
  LanguageModelV2,
  LanguageModelV2FinishReason,
  LanguageModelV2Usage,
  LanguageModelV3FinishReason,
  LanguageModelV3GenerateResult,
  LanguageModelV3Usage,
} from "@ai-sdk/provider";
import type {
  FinishReason,
  GenerateRequest,
  GenerateResult,
  TokenUsage,
  ToolCall,
} from "@trace-ts/core/provider";
import { BadResponseError, estimateInputTokens, estimateTextTokens } from "@trace-ts/core/provider";

type AnyResult = Awaited<ReturnType<LanguageModelV2["doGenerate"]>> | LanguageModelV3GenerateResult;

/**
 * Converts a `doGenerate` result.
 *
 * @param result what the model returned
 * @param request the request (to estimate usage the provider did not report)
 * @param model provider and model id (the fallback model name, and for error messages)
 */
export function fromGenerateResult(
  result: AnyResult,
  request: GenerateRequest,
  model: { readonly provider: string; readonly modelId: string },
): GenerateResult {
  if (typeof result !== "object" || result === null || !Array.isArray(result.content)) {
    throw new BadResponseError(`${model.provider}:${model.modelId}: doGenerate returned no content array`, {
      provider: model.provider,
      modelId: model.modelId,
    });
  }
  let text = "";
  const toolCalls: ToolCall[] = [];
  for (const part of result.content) {
    if (part.type === "text") text += part.text;
    else if (part.type === "tool-call" && part.providerExecuted !== true) {
      const args: unknown = part.input;
      toolCalls.push({
        id: part.toolCallId,
        name: part.toolName,
        arguments: typeof args === "string" ? args : JSON.stringify(args ?? {}),
      });
    }
  }
  const modelId = result.response?.modelId;
  return {
    text,
    ...(toolCalls.length > 0 ? { toolCalls } : {}),
    usage: toUsage(result.usage, request, text),
    finishReason: toFinishReason(result.finishReason),
    model: typeof modelId === "string" && modelId !== "" ? modelId : model.modelId,
    ...(result.response?.body !== undefined ? { raw: result.response.body } : {}),
  };
}

function toFinishReason(
  reason: LanguageModelV2FinishReason | LanguageModelV3FinishReason | undefined,
): FinishReason {
  const unified = typeof reason === "object" && reason !== null ? reason.unified : reason;
  switch (unified) {
    case "stop":
      return "stop";
    case "length":
      return "length";
    case "content-filter":
      return "content_filter";
    case "tool-calls":
      return "tool_calls";
    default:
      return "other";
  }
}

const count = (n: unknown): number | undefined =>
  typeof n === "number" && Number.isFinite(n) && n >= 0 ? n : undefined;

/**
 * v3 reports input tokens as `{ total, noCache, cacheRead, cacheWrite }`, v2 as a number with
 * `cachedInputTokens` included in it. Ours counts the normally billed tokens in `inputTokens`
 * and cache reads/writes apart. Counts the provider left out are estimated, so budgets still work.
 */
function toUsage(
  usage: LanguageModelV2Usage | LanguageModelV3Usage | undefined,
  request: GenerateRequest,
  text: string,
): TokenUsage {
  let input: number | undefined;
  let output: number | undefined;
  let cacheRead: number | undefined;
  let cacheWrite: number | undefined;
  if (usage !== undefined && typeof usage.inputTokens === "object" && usage.inputTokens !== null) {
    const v3 = usage as LanguageModelV3Usage;
    cacheRead = count(v3.inputTokens.cacheRead);
    cacheWrite = count(v3.inputTokens.cacheWrite);
    const total = count(v3.inputTokens.total);
    input =
      count(v3.inputTokens.noCache) ??
      (total === undefined ? undefined : Math.max(0, total - (cacheRead ?? 0) - (cacheWrite ?? 0)));
    output = count(v3.outputTokens?.total);
  } else if (usage !== undefined) {
    const v2 = usage as LanguageModelV2Usage;
    cacheRead = count(v2.cachedInputTokens);
    const total = count(v2.inputTokens);
    input = total === undefined ? undefined : Math.max(0, total - (cacheRead ?? 0));
    output = count(v2.outputTokens);
  }
  return {
    inputTokens: input ?? estimateInputTokens(request),
    outputTokens: output ?? estimateTextTokens(text),
    ...(cacheRead !== undefined && cacheRead > 0 ? { cacheReadTokens: cacheRead } : {}),
    ...(cacheWrite !== undefined && cacheWrite > 0 ? { cacheWriteTokens: cacheWrite } : {}),
  };
}
