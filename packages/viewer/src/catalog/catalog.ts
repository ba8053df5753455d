/**
 * The runs the viewer shows, looked up by id: discovery, summaries cached by file change, the
 * check that a run's file still resolves inside the root, and cassette pairing.
 */
import { realpathSync } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import { basename } from "node:path";
import type { CassetteResponse, RunResponse, RunSummary, RunsResponse } from "../protocol.js";
import { pairedCassettePath, readCassette } from "../read/cassette.js";
import type { ReadLimits } from "../read/limits.js";
import { readRunLog } from "../read/run-log.js";
import { discoverRuns, idOf, isInside, type RunEntry, type ViewerRoot } from "./discover.js";
import { summarize } from "./summary.js";

/** Options of a {@link RunCatalog}. */
export interface CatalogOptions {
  /** A cassette for the single run log given (instead of the one next to it). */
  readonly cassette?: string;
  /** Size caps of the reader. */
  readonly limits?: Partial<ReadLimits>;
}

/** A run's cassette: where it is and its name for the page. */
interface CassetteRef {
  readonly path: string;
  readonly file: string;
}

/** The runs under a root. */
export class RunCatalog {
  /** The resolved paths given to the viewer. */
  readonly given: ViewerRoot;
  private readonly options: CatalogOptions;
  private readonly explicitReal = new Map<string, string>();
  private readonly explicitCassette: { path: string; real: string } | null;
  private entries = new Map<string, RunEntry>();
  private readonly cache = new Map<string, { mtimeMs: number; size: number; summary: RunSummary }>();

  /**
   * @param given the resolved paths
   * @param options cassette and caps
   */
  constructor(given: ViewerRoot, options: CatalogOptions = {}) {
    this.given = given;
    this.options = options;
    for (const file of given.files) {
      try {
        this.explicitReal.set(file, realpathSync(file));
      } catch {
        // listed with an `unreadable` problem
      }
    }
    const single = given.files.length === 1 && given.folders.length === 0;
    let cassette: { path: string; real: string } | null = null;
    if (options.cassette !== undefined && single) {
      try {
        cassette = { path: options.cassette, real: realpathSync(options.cassette) };
      } catch {
        cassette = { path: options.cassette, real: options.cassette };
      }
    }
    this.explicitCassette = cassette;
  }

  /** Searches again and returns the runs list, most recently updated first. */
  async list(): Promise<RunsResponse> {
    await this.refresh();
    const runs: RunSummary[] = [];
    for (const entry of this.entries.values()) {
      if (!(await this.allowed(entry))) continue;
      runs.push(await this.summary(entry));
    }
    runs.sort((a, b) => (a.updated < b.updated ? 1 : a.updated > b.updated ? -1 : a.id < b.id ? -1 : 1));
    return { root: this.given.root, runs };
  }

  /** Every run id currently listed. */
  async ids(): Promise<string[]> {
    return (await this.list()).runs.map((run) => run.id);
  }

  /**
   * The run with this id, or null when it is not listed or its file no longer resolves inside
   * the root. Ids are only ever looked up, never joined onto a path.
   *
   * @param id a run id from the page
   */
  async find(id: string): Promise<RunEntry | null> {
    let entry = this.entries.get(id);
    if (entry === undefined) {
      await this.refresh();
      entry = this.entries.get(id);
    }
    if (entry === undefined || !(await this.allowed(entry))) return null;
    return entry;
  }

  /**
   * A whole run log, or null when the id is unknown.
   *
   * @param id a run id
   */
  async run(id: string): Promise<RunResponse | null> {
    const entry = await this.find(id);
    if (entry === null) return null;
    const read = await readRunLog(entry.path, this.options.limits);
    return {
      id: entry.id,
      name: entry.name,
      records: read.records,
      problems: read.problems,
      bytes: read.bytes,
      complete: read.complete,
      cassette: (await this.cassetteOf(entry)) !== null,
    };
  }

  /**
   * The cassette of a run, or null when the id is unknown or the run has none.
   *
   * @param id a run id
   */
  async cassette(id: string): Promise<CassetteResponse | null> {
    const entry = await this.find(id);
    if (entry === null) return null;
    const ref = await this.cassetteOf(entry);
    if (ref === null) return null;
    return readCassette(ref.path, ref.file, this.options.limits);
  }

  private async refresh(): Promise<void> {
    const entries = await discoverRuns(this.given);
    this.entries = new Map(entries.map((entry) => [entry.id, entry]));
  }

  /** Whether the entry's file still resolves inside the root (or to the file given). */
  private async allowed(entry: RunEntry): Promise<boolean> {
    if (entry.explicit) {
      const real = await realpath(entry.path).catch(() => null);
      // A given file that vanished is still listed (with its problem); reads then fail safely.
      return real === null || real === this.explicitReal.get(entry.path);
    }
    const real = await realpath(entry.path).catch(() => null);
    return real !== null && isInside(this.given.rootReal, real);
  }

  private async cassetteOf(entry: RunEntry): Promise<CassetteRef | null> {
    if (this.explicitCassette !== null && entry.explicit) {
      const { path, real } = this.explicitCassette;
      const now = await realpath(path).catch(() => null);
      if (now === null || now !== real) return null;
      const file = isInside(this.given.root, path) ? idOf(this.given.root, path) : basename(path);
      return { path, file };
    }
    const path = pairedCassettePath(entry.path);
    const real = await realpath(path).catch(() => null);
    if (real === null) return null;
    const info = await stat(real).catch(() => null);
    if (info === null || !info.isFile()) return null;
    if (
      !isInside(this.given.rootReal, real) &&
      !(entry.explicit && real === pairedCassettePath(this.explicitReal.get(entry.path) ?? ""))
    ) {
      return null;
    }
    return { path, file: idOf(this.given.root, path) };
  }

  private async summary(entry: RunEntry): Promise<RunSummary> {
    const cassette = (await this.cassetteOf(entry)) !== null;
    const info = await stat(entry.path).catch(() => null);
    const cached = this.cache.get(entry.path);
    if (
      info !== null &&
      cached !== undefined &&
      cached.mtimeMs === info.mtimeMs &&
      cached.size === info.size
    ) {
      return { ...cached.summary, cassette };
    }
    const read = await readRunLog(entry.path, this.options.limits);
    const summary = summarize(entry.id, entry.name, read, cassette);
    if (info !== null) this.cache.set(entry.path, { mtimeMs: info.mtimeMs, size: info.size, summary });
    return summary;
  }
}
