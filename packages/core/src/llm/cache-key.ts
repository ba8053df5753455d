/**
 * Normalization and hashing of requests for the response cache. The key covers everything that
 * can change the answer: provider, model id, every message, the response format (schema keys in
 * a canonical order), max tokens, temperature, seed and the sample index of deliberately repeated
 * requests. `signal`, `cache` and `purpose` are excluded. A request without a sample index has the
 * same key as before sample indices existed, so existing caches stay valid.
 *
 * Contract v2 fields (image parts, tool calls and results, tool definitions, the tool choice) are
 * appended after a marker only when a request has any of them: a text-only request keeps exactly
 * the key it had before v2 existed.
 */
import * as crypto from "node:crypto";
import type { ChatMessage, GenerateRequest, LanguageModel, ResponseFormat, ToolChoice } from "./types.js";

/** Bumped whenever the normalized form changes, so old cache entries stop matching. */
export const CACHE_KEY_VERSION = 1;

/** The parts of a request (and its model) that determine the answer, in canonical form. */
export interface NormalizedRequest {
  /** Version of this format ({@link CACHE_KEY_VERSION}). */
  readonly v: number;
  /** Provider of the model. */
  readonly provider: string;
  /** Model id. */
  readonly modelId: string;
  /** Messages as `[role, content]` pairs. */
  readonly messages: ReadonlyArray<readonly [string, string]>;
  /** Response format, `null` for free text. */
  readonly responseFormat: ResponseFormat | null;
  /** Max output tokens or `null`. */
  readonly maxTokens: number | null;
  /** Temperature or `null`. */
  readonly temperature: number | null;
  /** Seed or `null`. */
  readonly seed: number | null;
  /** Sample index or `null` (see `GenerateRequest.sample`). */
  readonly sample: number | null;
  /** The contract v2 fields, present only when the request has any (see {@link NormalizedV2}). */
  readonly v2?: NormalizedV2;
}

/**
 * The contract v2 fields of a request in canonical form (object keys sorted, `undefined` left
 * out): what each message adds to its role and text, the tool definitions and the tool choice.
 */
export interface NormalizedV2 {
  /**
   * Per message, in order: `null` for a text-only message, else its `parts`, `toolCalls`
   * (`[id, name, arguments]` triples), `toolCallId` and `toolName`, as present.
   */
  readonly messages: ReadonlyArray<NormalizedMessageExtras | null>;
  /** The tool definitions (schemas with sorted keys), in the order given, or `null`. */
  readonly tools: readonly unknown[] | null;
  /** The tool choice, or `null`. */
  readonly toolChoice: ToolChoice | null;
}

/** What a v2 message carries besides its role and text (see {@link NormalizedV2.messages}). */
export interface NormalizedMessageExtras {
  /** The content parts, canonical. */
  readonly parts?: readonly unknown[];
  /** The tool calls as `[id, name, arguments]`. */
  readonly toolCalls?: ReadonlyArray<readonly [string, string, string]>;
  /** The id of the call a tool result answers. */
  readonly toolCallId?: string;
  /** The name of the tool whose result this is. */
  readonly toolName?: string;
}

/**
 * The canonical form of a request for `model`.
 * @param model provides `provider` and `modelId`
 * @param request the request
 */
export function normalizeRequest(
  model: Pick<LanguageModel, "provider" | "modelId">,
  request: GenerateRequest,
): NormalizedRequest {
  const format = request.responseFormat;
  const v2 = normalizeV2(request);
  return {
    v: CACHE_KEY_VERSION,
    provider: model.provider,
    modelId: model.modelId,
    messages: request.messages.map((m) => [m.role, m.content] as const),
    responseFormat:
      format === undefined || format.type === "text" ? null : (canonical(format) as ResponseFormat),
    maxTokens: request.maxTokens ?? null,
    temperature: request.temperature ?? null,
    seed: request.seed ?? null,
    sample: request.sample ?? null,
    ...(v2 === undefined ? {} : { v2 }),
  };
}

/**
 * The cache key of a request: SHA-256 (hex) of its normalized form. Equal to
 * `hashNormalized(normalizeRequest(model, request))`, computed without building that object.
 * @param model provides `provider` and `modelId`
 * @param request the request
 */
export function requestCacheKey(
  model: Pick<LanguageModel, "provider" | "modelId">,
  request: GenerateRequest,
): string {
  const format = request.responseFormat;
  const flat: unknown[] = [
    CACHE_KEY_VERSION,
    model.provider,
    model.modelId,
    format === undefined || format.type === "text" ? null : canonical(format),
    request.maxTokens ?? null,
    request.temperature ?? null,
    request.seed ?? null,
  ];
  for (const m of request.messages) flat.push(m.role, m.content);
  if (request.sample !== undefined) flat.push(SAMPLE_MARK, request.sample);
  const v2 = normalizeV2(request);
  if (v2 !== undefined) flat.push(V2_MARK, v2);
  return sha256(JSON.stringify(flat));
}

/** SHA-256 (hex) of an already normalized request (the same key as {@link requestCacheKey}). */
export function hashNormalized(normalized: NormalizedRequest): string {
  const flat: unknown[] = [
    normalized.v,
    normalized.provider,
    normalized.modelId,
    normalized.responseFormat,
    normalized.maxTokens,
    normalized.temperature,
    normalized.seed,
  ];
  for (const [role, content] of normalized.messages) flat.push(role, content);
  if (normalized.sample !== null) flat.push(SAMPLE_MARK, normalized.sample);
  if (normalized.v2 !== undefined) flat.push(V2_MARK, normalized.v2);
  return sha256(JSON.stringify(flat));
}

// markers no message role can be (roles are strings): after the messages, SAMPLE_MARK starts the
// sample index and V2_MARK the contract v2 fields
const SAMPLE_MARK = 0;
const V2_MARK = 1;

function hasExtras(m: ChatMessage): boolean {
  return (
    m.parts !== undefined ||
    m.toolCalls !== undefined ||
    m.toolCallId !== undefined ||
    m.toolName !== undefined
  );
}

/** The v2 fields of a request in canonical form, or undefined for a request without any. */
function normalizeV2(request: GenerateRequest): NormalizedV2 | undefined {
  const messages = request.messages;
  let any = request.tools !== undefined || request.toolChoice !== undefined;
  for (let i = 0; !any && i < messages.length; i++) any = hasExtras(messages[i]!);
  if (!any) return undefined;
  return {
    messages: messages.map((m) => {
      if (!hasExtras(m)) return null;
      const extras: {
        parts?: unknown[];
        toolCalls?: Array<readonly [string, string, string]>;
        toolCallId?: string;
        toolName?: string;
      } = {};
      if (m.parts !== undefined) extras.parts = m.parts.map(canonical);
      if (m.toolCalls !== undefined)
        extras.toolCalls = m.toolCalls.map((c) => [c.id, c.name, c.arguments] as const);
      if (m.toolCallId !== undefined) extras.toolCallId = m.toolCallId;
      if (m.toolName !== undefined) extras.toolName = m.toolName;
      return extras;
    }),
    tools: request.tools === undefined ? null : request.tools.map(canonical),
    toolChoice: request.toolChoice === undefined ? null : (canonical(request.toolChoice) as ToolChoice),
  };
}

function sha256(text: string): string {
  // crypto.hash (Node ≥ 20.12) skips the Hash object; fall back for older 20.x
  return typeof crypto.hash === "function"
    ? crypto.hash("sha256", text, "hex")
    : crypto.createHash("sha256").update(text).digest("hex");
}

/** A deep copy of a JSON-like value with object keys sorted, so equal values serialize equally. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = canonical(v);
    }
    return out;
  }
  return value;
}
