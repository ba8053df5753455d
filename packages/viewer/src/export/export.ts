/**
 * `exportReport`: writes runs and the page into one HTML file that opens without a server.
 */
import { randomBytes } from "node:crypto";
import { readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { checkAssets, defaultAssetsDir } from "../assets.js";
import { RunCatalog } from "../catalog/catalog.js";
import { resolveRoot } from "../catalog/discover.js";
import { ViewerExportExistsError } from "../errors.js";
import {
  type CassetteResponse,
  type RunResponse,
  type StaticData,
  VIEWER_PROTOCOL_VERSION,
} from "../protocol.js";
import type { ReadLimits } from "../read/limits.js";
import { staticHtml } from "./html.js";

/** Options of {@link exportReport}. */
export interface ExportOptions {
  /** Run logs and folders of run logs to include. */
  readonly paths: readonly string[];
  /** The HTML file to write. */
  readonly out: string;
  /** A cassette for the single run log given (default: `<name>.cassette.jsonl` next to each log). */
  readonly cassette?: string;
  /** Replace `out` when it exists (default false: refuse). */
  readonly overwrite?: boolean;
  /** Folder holding the built page (`app.js`, `app.css`; default `dist/client/` of this package). */
  readonly assetsDir?: string;
  /** Size caps of the log reader. */
  readonly limits?: Partial<ReadLimits>;
}

/** What {@link exportReport} wrote. */
export interface ExportResult {
  /** The file written (absolute). */
  readonly out: string;
  /** Number of runs in it. */
  readonly runs: number;
  /** Its size in bytes. */
  readonly bytes: number;
}

/**
 * Builds the data of a static export.
 *
 * @param options the runs to include and the reader's caps
 */
export async function buildStaticData(
  options: Pick<ExportOptions, "paths" | "cassette" | "limits">,
): Promise<StaticData> {
  const catalog = new RunCatalog(resolveRoot(options.paths), {
    cassette: options.cassette,
    limits: options.limits,
  });
  const runs = await catalog.list();
  const run: Record<string, RunResponse> = {};
  const cassette: Record<string, CassetteResponse> = {};
  for (const summary of runs.runs) {
    const response = await catalog.run(summary.id);
    if (response !== null) run[summary.id] = response;
    const recorded = await catalog.cassette(summary.id);
    if (recorded !== null) cassette[summary.id] = recorded;
  }
  return { protocol: VIEWER_PROTOCOL_VERSION, exportedAt: new Date().toISOString(), runs, run, cassette };
}

/**
 * Writes a self-contained HTML report of the runs: the page, its styles and every run's data in
 * one file (written to a temporary file, then renamed into place).
 *
 * @param options what to include and where to write
 * @throws ViewerExportExistsError when `out` exists and `overwrite` is not set
 * @throws ViewerAssetsMissingError when the page is not built
 * @throws ViewerPathError when a path given does not exist
 */
export async function exportReport(options: ExportOptions): Promise<ExportResult> {
  const out = resolve(options.out);
  if (options.overwrite !== true && (await stat(out).catch(() => null)) !== null) {
    throw new ViewerExportExistsError(out);
  }
  const assetsDir = options.assetsDir ?? defaultAssetsDir();
  checkAssets(assetsDir);
  const [js, css] = await Promise.all([
    readFile(join(assetsDir, "app.js"), "utf8"),
    readFile(join(assetsDir, "app.css"), "utf8"),
  ]);
  const data = await buildStaticData(options);
  const html = staticHtml(data, js, css);
  const temp = join(dirname(out), `.${basename(out)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    await writeFile(temp, html, { encoding: "utf8", flag: "wx" });
    if (options.overwrite !== true && (await stat(out).catch(() => null)) !== null) {
      throw new ViewerExportExistsError(out);
    }
    await rename(temp, out);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return { out, runs: data.runs.runs.length, bytes: Buffer.byteLength(html) };
}
