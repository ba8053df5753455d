/**
 * Normalization and hashing of requests for the response cache. The key covers everything that
 * can change the answer: provider, model id, every message, the response format (schema keys in
 * a canonical order), max tokens, temperature, seed and the sample index of deliberately repeated
 * requests. `signal`, `cache` and `purpose` are excluded. A request without a sample index has the
 * same key as before sample indices existed, so existing caches stay valid.
 */
import * as crypto from "node:crypto";
import type { GenerateRequest, LanguageModel, ResponseFormat } from "./types.js";

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
  return sha256(JSON.stringify(flat));
}

// a marker no message role can be: after the messages, it starts the sample index
const SAMPLE_MARK = 0;

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
