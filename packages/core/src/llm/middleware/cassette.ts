/**
 * Record and replay of model calls: a {@link Cassette} either appends every call of a run to a
 * file (record) or answers every call from such a file without calling the model (replay), so a
 * run can be reproduced exactly, attached to a bug report, or used as a regression test. The
 * response cache (`responseCache({ cassette })`) drives it.
 */
import { appendFile } from "node:fs/promises";
import { InvalidOptionError } from "../../errors/graph-errors.js";
import { validateOptions } from "../../util/options.js";
import { normalizeRequest, requestCacheKey } from "../cache-key.js";
import { CassetteFileError, CassetteMissError, cancelledFrom } from "../errors.js";
import { knownSecrets, redact, redactString } from "../redact.js";
import type { GenerateRequest, GenerateResult, LanguageModel } from "../types.js";
import { type CassetteEntry, cassetteLine, createCassetteFile, readCassetteFile } from "./cassette-file.js";

/** `record`: append every call to the file; `replay`: answer every call from it. */
export type CassetteMode = "record" | "replay";

/** Options of a {@link Cassette}. */
export interface CassetteOptions {
  /** The cassette file (JSON lines). */
  readonly path: string;
  /** `record` writes the file, `replay` reads it. */
  readonly mode: CassetteMode;
  /** Record: replace an existing file (default false: an existing file is refused). */
  readonly overwrite?: boolean;
  /** Replay: refuse a larger file, in bytes (default 256 MiB). */
  readonly maxBytes?: number;
  /** Replay: refuse a file holding more entries (default 1,000,000). */
  readonly maxEntries?: number;
  /**
   * Record: exact secret values to remove from the recorded requests, besides the known ones
   * (`knownSecrets`: provider key variables and `registerSecret` values).
   */
  readonly secrets?: readonly string[];
}

const SCHEMA = {
  path: "string",
  mode: "string",
  overwrite: "boolean",
  maxBytes: "integer",
  maxEntries: "integer",
  secrets: "object",
} as const;

/** Characters of the last user message quoted by a miss. */
const EXCERPT = 80;

/** The recordings of one request key, in recorded order, and the next to replay. */
interface Track {
  readonly results: GenerateResult[];
  next: number;
}

/**
 * A cassette file opened for recording or replaying. Opening checks it at once: record creates
 * the file with its header (refusing an existing one unless `overwrite`); replay reads and checks
 * the whole file (size, format, version, every line). Give the same instance to several models
 * (`responseCache({ cassette })`, `withDefaults(model, { cassette })`) to record or replay them in
 * one file.
 *
 * @example
 * const cassette = new Cassette({ path: "run.cassette.jsonl", mode: "replay" });
 * const agentModel = withDefaults(base, { cassette });
 */
export class Cassette {
  /** The cassette file. */
  readonly path: string;
  /** Whether it records or replays. */
  readonly mode: CassetteMode;
  readonly #secrets: readonly string[];
  /** Replay: recordings by request key. */
  readonly #tracks = new Map<string, Track>();
  /** Replay: the models recorded. */
  readonly #models = new Set<string>();
  /** Record: the next sequence number; replay: the number of entries read. */
  #count = 0;
  /** Record: entries written. */
  #written = 0;
  /** Record: lines waiting to be appended, with their callers. */
  #pending: Array<{ line: string; resolve: () => void; reject: (error: unknown) => void }> = [];
  /** Record: whether the writer loop runs (one at a time, so lines never interleave). */
  #writing = false;

  /**
   * @param options file, mode and limits
   * @throws CassetteFileError when the file cannot be created (record) or read and checked (replay)
   */
  constructor(options: CassetteOptions) {
    validateOptions("Cassette", options, SCHEMA);
    if (options === undefined || typeof options.path !== "string" || options.path === "")
      throw new InvalidOptionError("Cassette", "path", "must be the cassette file's path");
    if (options.mode !== "record" && options.mode !== "replay")
      throw new InvalidOptionError(
        "Cassette",
        "mode",
        `must be "record" or "replay", got ${JSON.stringify(options.mode)}`,
      );
    for (const name of ["maxBytes", "maxEntries"] as const) {
      const v = options[name];
      if (v !== undefined && v < 1)
        throw new InvalidOptionError("Cassette", name, `must be at least 1, got ${v}`);
    }
    if (options.secrets !== undefined && !options.secrets.every((s) => typeof s === "string"))
      throw new InvalidOptionError("Cassette", "secrets", "must be an array of strings");
    this.path = options.path;
    this.mode = options.mode;
    this.#secrets = options.secrets ?? [];
    if (this.mode === "record") {
      createCassetteFile(this.path, options.overwrite ?? false);
      return;
    }
    const entries = readCassetteFile(this.path, {
      maxBytes: options.maxBytes ?? 256 * 1024 * 1024,
      maxEntries: options.maxEntries ?? 1_000_000,
    });
    const sorted = entries.slice().sort((a, b) => a.seq - b.seq);
    for (const entry of sorted) {
      let track = this.#tracks.get(entry.key);
      if (track === undefined) {
        track = { results: [], next: 0 };
        this.#tracks.set(entry.key, track);
      }
      track.results.push(entry.result);
      this.#models.add(entry.model);
    }
    this.#count = entries.length;
  }

  /** Replay: the entries read; record: the entries written so far. */
  get size(): number {
    return this.mode === "replay" ? this.#count : this.#written;
  }

  /**
   * Record: reserves the sequence number of a call as it arrives (so recordings of one key replay
   * in the order their calls were made, whatever order they finish in).
   */
  nextSequence(): number {
    return this.#count++;
  }

  /**
   * Record: appends one call to the file. Appends are queued (lines that queue up while a write
   * is under way go out together in the next one), so concurrent calls never interleave their
   * lines; resolves when this call's line is written.
   *
   * @param seq the number from {@link Cassette.nextSequence}
   * @param model the model called
   * @param request the request as sent
   * @param key its request key
   * @param result the result (stored without `raw` and `cached`)
   * @throws CassetteFileError `io` when the line could not be written
   */
  async record(
    seq: number,
    model: LanguageModel,
    request: GenerateRequest,
    key: string,
    result: GenerateResult,
  ): Promise<void> {
    if (this.mode !== "record") throw new TypeError("Cassette.record: this cassette replays");
    const secrets = this.#secrets.length === 0 ? knownSecrets() : [...knownSecrets(), ...this.#secrets];
    const entry: CassetteEntry = {
      seq,
      key,
      model: `${model.provider}:${model.modelId}`,
      request: redact(normalizeRequest(model, request), secrets),
      result: {
        text: result.text,
        ...(result.toolCalls === undefined ? {} : { toolCalls: result.toolCalls }),
        usage: result.usage,
        finishReason: result.finishReason,
        model: result.model,
      },
    };
    try {
      await this.#append(cassetteLine(entry));
      this.#written++;
    } catch (error) {
      throw new CassetteFileError(this.path, "io", `cannot append a recorded call: ${String(error)}`, {
        cause: error,
      });
    }
  }

  /** Queues a line; the writer appends every line queued meanwhile in one write. */
  #append(line: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ line, resolve, reject });
      if (!this.#writing) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#writing = true;
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0);
      try {
        await appendFile(this.path, batch.map((b) => b.line).join(""), "utf8");
        for (const b of batch) b.resolve();
      } catch (error) {
        for (const b of batch) b.reject(error);
      }
    }
    this.#writing = false;
  }

  /**
   * Replay: the recorded answer to `request`, marked `cached: true`, without calling the model.
   * Several recordings of one key are returned in recorded order, then the last one repeats.
   *
   * @param model the model called
   * @param request the request
   * @throws CassetteMissError when the cassette holds no recording of the request
   */
  answer(model: LanguageModel, request: GenerateRequest): GenerateResult {
    if (this.mode !== "replay") throw new TypeError("Cassette.answer: this cassette records");
    const ids = { provider: model.provider, modelId: model.modelId };
    if (request.signal?.aborted) throw cancelledFrom(request.signal, ids);
    const track = this.#tracks.get(requestCacheKey(model, request));
    if (track === undefined) {
      throw new CassetteMissError(
        {
          path: this.path,
          model: `${model.provider}:${model.modelId}`,
          lastUserMessage: lastUserExcerpt(request),
          recordedModels: [...this.#models],
        },
        ids,
      );
    }
    const result = track.results[Math.min(track.next, track.results.length - 1)]!;
    track.next++;
    return { ...result, cached: true };
  }
}

/** The start of the last user message of `request`, on one line and redacted. */
function lastUserExcerpt(request: GenerateRequest): string | undefined {
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const m = request.messages[i]!;
    if (m.role !== "user") continue;
    // redact before cutting, so a secret cut in two is still removed
    const flat = redactString(m.content, knownSecrets()).replace(/\s+/g, " ").trim();
    return flat.length > EXCERPT ? `${flat.slice(0, EXCERPT)}…` : flat;
  }
  return undefined;
}
