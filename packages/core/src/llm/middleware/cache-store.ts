/**
 * Storage back ends of the response cache: an in-memory LRU (`lru-cache`) and an on-disk
 * directory of JSON files written atomically (`write-file-atomic`: temp file + rename), which
 * several processes or model instances can share.
 */
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { LRUCache } from "lru-cache";
import writeFileAtomic from "write-file-atomic";
import { validateOptions } from "../../util/options.js";
import type { NormalizedRequest } from "../cache-key.js";
import type { GenerateResult } from "../types.js";

/** Where the response cache keeps results. Methods may be synchronous or asynchronous. */
export interface CacheStore {
  /** The result stored under `key`, or undefined. */
  get(key: string): GenerateResult | undefined | Promise<GenerateResult | undefined>;
  /**
   * Stores a result. `request` is the normalized request, for stores that keep it for inspection.
   */
  set(key: string, result: GenerateResult, request: NormalizedRequest): void | Promise<void>;
}

/** Options of {@link MemoryCacheStore}. */
export interface MemoryCacheOptions {
  /** Most entries kept; the least recently used are evicted (default 1000). */
  readonly maxEntries?: number;
  /** Entries expire after this many ms (default: never). */
  readonly ttlMs?: number;
}

/** An in-process LRU cache of results. */
export class MemoryCacheStore implements CacheStore {
  readonly #lru: LRUCache<string, GenerateResult>;

  /** @param options size bound and time to live */
  constructor(options: MemoryCacheOptions = {}) {
    validateOptions("MemoryCacheStore", options, { maxEntries: "integer", ttlMs: "number" });
    const max = options.maxEntries ?? 1000;
    if (max < 1) throw new RangeError(`MemoryCacheStore: maxEntries must be >= 1, got ${max}`);
    this.#lru = new LRUCache<string, GenerateResult>(
      options.ttlMs === undefined ? { max } : { max, ttl: options.ttlMs, ttlAutopurge: false },
    );
  }

  /** Number of entries held. */
  get size(): number {
    return this.#lru.size;
  }

  /** The result under `key`, refreshing its recency. */
  get(key: string): GenerateResult | undefined {
    return this.#lru.get(key);
  }

  /** Stores a result. */
  set(key: string, result: GenerateResult): void {
    this.#lru.set(key, result);
  }

  /** Removes every entry. */
  clear(): void {
    this.#lru.clear();
  }
}

/** Options of {@link DiskCacheStore}. */
export interface DiskCacheOptions {
  /** Directory holding the cache files (created when needed). */
  readonly directory: string;
  /** Entries older than this many ms are ignored (default: never expire). */
  readonly ttlMs?: number;
}

/** The JSON document stored per entry. */
interface DiskEntry {
  readonly version: 1;
  readonly key: string;
  readonly createdAt: string;
  readonly request: NormalizedRequest;
  readonly result: GenerateResult;
}

/**
 * A directory of JSON files, one per entry (`<dir>/<first 2 hex chars>/<key>.json`). Writes go to
 * a temporary file that is renamed into place, so concurrent writers (threads, processes, two
 * model instances) never leave a half-written entry; readers treat unreadable or corrupt files as
 * misses. Each file also holds the normalized request, for inspection.
 */
export class DiskCacheStore implements CacheStore {
  /** The cache directory. */
  readonly directory: string;
  readonly #ttlMs: number | undefined;
  readonly #madeDirs = new Set<string>();

  /** @param options directory and time to live */
  constructor(options: DiskCacheOptions) {
    validateOptions("DiskCacheStore", options, { directory: "string", ttlMs: "number" });
    if (!options?.directory) throw new TypeError("DiskCacheStore: give { directory } for the cache files");
    this.directory = options.directory;
    this.#ttlMs = options.ttlMs;
  }

  /** Path of the file for `key`. */
  pathOf(key: string): string {
    return join(this.directory, key.slice(0, 2), `${key}.json`);
  }

  /** Reads the entry for `key`; undefined when absent, expired, corrupt or of another key. */
  async get(key: string): Promise<GenerateResult | undefined> {
    let text: string;
    try {
      text = await readFile(this.pathOf(key), "utf8");
    } catch {
      return undefined;
    }
    let entry: DiskEntry;
    try {
      entry = JSON.parse(text) as DiskEntry;
    } catch {
      return undefined;
    }
    if (entry?.version !== 1 || entry.key !== key || typeof entry.result?.text !== "string") return undefined;
    if (this.#ttlMs !== undefined && Date.now() - Date.parse(entry.createdAt) > this.#ttlMs) return undefined;
    return entry.result;
  }

  /** Writes the entry for `key` atomically. */
  async set(key: string, result: GenerateResult, request: NormalizedRequest): Promise<void> {
    const dir = join(this.directory, key.slice(0, 2));
    if (!this.#madeDirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.#madeDirs.add(dir);
    }
    const entry: DiskEntry = { version: 1, key, createdAt: new Date().toISOString(), request, result };
    await writeFileAtomic(this.pathOf(key), `${JSON.stringify(entry, null, 1)}\n`, { fsync: false });
  }
}
