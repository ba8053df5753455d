/**
 * Response-cache middleware: answers a request seen before from memory and/or disk without
 * calling the model. Keyed by a hash of the full normalized request including the model id.
 */
import { validateOptions } from "../../util/options.js";
import { type NormalizedRequest, normalizeRequest, requestCacheKey } from "../cache-key.js";
import { CancelledError } from "../errors.js";
import { abortable } from "../sleep.js";
import type { GenerateRequest, GenerateResult, LanguageModel } from "../types.js";
import { type CacheStore, DiskCacheStore, type MemoryCacheOptions, MemoryCacheStore } from "./cache-store.js";
import { Cassette, type CassetteOptions } from "./cassette.js";
import { defineMiddleware, type LanguageModelMiddleware, type NextGenerate } from "./wrap.js";

/** Options of {@link responseCache}. */
export interface ResponseCacheOptions {
  /**
   * In-memory LRU tier: `true`/options to enable (default true unless `store` is given), `false`
   * to disable.
   */
  readonly memory?: boolean | MemoryCacheOptions;
  /** Directory of an on-disk tier shared by every model (and process) using it. */
  readonly directory?: string;
  /** Expire entries of both built-in tiers after this many ms (default: never). */
  readonly ttlMs?: number;
  /** Custom storage tiers, consulted after the built-in ones, in order. */
  readonly store?: CacheStore | readonly CacheStore[];
  /**
   * Share one call between concurrent identical requests (default true): later callers wait for
   * the first and get its result marked `cached: true`.
   */
  readonly dedupe?: boolean;
  /** Called when storing a result fails (default: a one-time process warning). The call still succeeds. */
  readonly onStoreError?: (error: unknown) => void;
  /**
   * Record and replay: a {@link Cassette}, or its options (`{ path, mode: "record" | "replay" }`).
   * `record` appends every successful call — answered by the model, a tier or a shared call — to
   * the file; `replay` answers every call from the file (marked `cached: true`) and never calls the
   * model nor uses the tiers; a call it has no recording of throws `CassetteMissError`. With a
   * cassette every tier may be disabled (`memory: false`): the cache then only records.
   */
  readonly cassette?: CassetteOptions | Cassette;
}

const SCHEMA = {
  memory: "object",
  directory: "string",
  ttlMs: "number",
  store: "object",
  dedupe: "boolean",
  onStoreError: "function",
  cassette: "object",
} as const;

/**
 * Caches successful results. A hit returns the stored result with `cached: true` and makes no
 * call; `raw` is not stored. Opt out per call with `{ cache: false }` (the call neither reads nor
 * writes the cache). Results with finish reason `content_filter` are not stored.
 *
 * Put it outside `budget`, `retry` and `rateLimit` so hits cost nothing and wait for nothing, and
 * inside `trackUsage` so hits are counted (with zero cost).
 *
 * With `cassette`, it records every call of a run to a file or replays a run from one (see
 * {@link Cassette}); `{ cache: false }` calls are recorded and replayed too.
 *
 * @example
 * const model = wrapModel(base, responseCache({ directory: ".cache/llm" }));
 *
 * @param options tiers, time to live, dedupe, cassette
 */
export function responseCache(options: ResponseCacheOptions = {}): LanguageModelMiddleware {
  const { memory: memoryOption, ...rest } = options;
  validateOptions("responseCache", rest, SCHEMA);
  if (memoryOption !== undefined && typeof memoryOption !== "boolean" && typeof memoryOption !== "object") {
    throw new TypeError("responseCache: memory must be a boolean or { maxEntries, ttlMs }");
  }
  const cassette =
    options.cassette === undefined || options.cassette instanceof Cassette
      ? options.cassette
      : new Cassette(options.cassette);
  if (cassette?.mode === "replay") {
    // nothing below can call the model: every answer comes from the recording
    return defineMiddleware("responseCache", async (request, _next, model) =>
      cassette.answer(model, request),
    );
  }
  const custom =
    options.store === undefined ? [] : Array.isArray(options.store) ? options.store : [options.store];
  const tiers: CacheStore[] = [];
  const memoryWanted = memoryOption ?? custom.length === 0;
  if (memoryWanted !== false) {
    const memoryOptions = typeof memoryWanted === "object" ? memoryWanted : {};
    tiers.push(new MemoryCacheStore({ ttlMs: options.ttlMs, ...memoryOptions }));
  }
  if (options.directory !== undefined) {
    tiers.push(new DiskCacheStore({ directory: options.directory, ttlMs: options.ttlMs }));
  }
  tiers.push(...(custom as CacheStore[]));
  if (tiers.length === 0 && cassette === undefined)
    throw new RangeError("responseCache: every tier is disabled; enable memory or give a directory");
  const dedupe = options.dedupe ?? true;
  let warned = false;
  const onStoreError =
    options.onStoreError ??
    ((error: unknown) => {
      if (warned) return;
      warned = true;
      process.emitWarning(
        `trace-ts response cache could not store a result: ${String(error)}`,
        "TraceCacheWarning",
      );
    });
  const inflight = new Map<string, Promise<GenerateResult>>();

  /** Looks `key` up in the tiers from `from` on, promoting a hit into the faster tiers. */
  const lookupFrom = async (
    from: number,
    key: string,
    normalized: () => NormalizedRequest,
  ): Promise<GenerateResult | undefined> => {
    for (let i = from; i < tiers.length; i++) {
      const hit = await tiers[i]!.get(key);
      if (hit === undefined) continue;
      for (let j = 0; j < i; j++) await store(tiers[j]!, key, hit, normalized);
      return hit;
    }
    return undefined;
  };

  /** Stores into one tier; the normalized request is only built for tiers that keep it. */
  const store = async (
    tier: CacheStore,
    key: string,
    result: GenerateResult,
    normalized: () => NormalizedRequest,
  ): Promise<void> => {
    try {
      if (tier instanceof MemoryCacheStore) tier.set(key, result);
      else await tier.set(key, result, normalized());
    } catch (error) {
      onStoreError(error);
    }
  };

  /** The cache's answer to a request (`key` is its request key). */
  const answer = async (
    request: GenerateRequest,
    next: NextGenerate,
    model: LanguageModel,
    key: string,
  ): Promise<GenerateResult> => {
    let memo: NormalizedRequest | undefined;
    const normalized = (): NormalizedRequest => {
      memo ??= normalizeRequest(model, request);
      return memo;
    };
    // a synchronous first tier (the memory LRU) answers without an extra await
    const first = tiers.length === 0 ? undefined : tiers[0]!.get(key);
    let hit = first instanceof Promise ? await first : first;
    if (hit === undefined && tiers.length > 1) hit = await lookupFrom(1, key, normalized);
    if (hit !== undefined) return { ...hit, cached: true };

    const pending = dedupe ? inflight.get(key) : undefined;
    if (pending !== undefined) {
      try {
        return { ...(await abortable(pending, request.signal)), cached: true };
      } catch (error) {
        // the first caller was cancelled but this one was not: make our own call
        if (!(error instanceof CancelledError) || request.signal?.aborted) throw error;
      }
    }

    const call = (async () => {
      const result = await next(request);
      if (result.finishReason !== "content_filter") {
        // without raw (and never marked cached); an object literal is cheaper than a rest copy
        const storable: GenerateResult = {
          text: result.text,
          usage: result.usage,
          finishReason: result.finishReason,
          model: result.model,
          // contract v2: the tool calls are the answer
          ...(result.toolCalls === undefined ? {} : { toolCalls: result.toolCalls }),
        };
        for (const tier of tiers) await store(tier, key, storable, normalized);
      }
      return result;
    })();
    if (!dedupe) return call;
    inflight.set(key, call);
    try {
      return await call;
    } finally {
      if (inflight.get(key) === call) inflight.delete(key);
    }
  };

  if (cassette === undefined) {
    return defineMiddleware("responseCache", async (request, next, model) => {
      if (request.cache === false) return next(request);
      return answer(request, next, model, requestCacheKey(model, request));
    });
  }
  const recorder = cassette;
  return defineMiddleware("responseCache", async (request, next, model) => {
    // numbered on arrival: recordings of one key replay in the order their calls were made
    const seq = recorder.nextSequence();
    const key = requestCacheKey(model, request);
    const result = request.cache === false ? await next(request) : await answer(request, next, model, key);
    await recorder.record(seq, model, request, key, result);
    return result;
  });
}
