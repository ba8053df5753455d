/**
 * The cassette file of record and replay: JSON lines, a header line then one line per recorded
 * model call. This module reads and checks a whole file, creates one, and formats entry lines;
 * `cassette.ts` holds the recording and replaying behaviour.
 */
import { closeSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { CACHE_KEY_VERSION, type NormalizedRequest } from "../cache-key.js";
import { CassetteFileError } from "../errors.js";
import type { GenerateResult } from "../types.js";

/** The `format` of a cassette's header line. */
export const CASSETTE_FORMAT = "trace-ts/cassette";

/** The version of the cassette format written, and the only one read. */
export const CASSETTE_VERSION = 1;

/** The first line of a cassette file. */
export interface CassetteHeader {
  /** Always {@link CASSETTE_FORMAT}. */
  readonly format: typeof CASSETTE_FORMAT;
  /** The format version ({@link CASSETTE_VERSION}). */
  readonly version: number;
  /** The request-key version the keys were computed with (`CACHE_KEY_VERSION`). */
  readonly keyVersion: number;
  /** When the recording started (ISO 8601). */
  readonly createdAt: string;
}

/** One recorded model call: a line of a cassette file after the header. */
export interface CassetteEntry {
  /**
   * Order in which the call arrived during the recording (from 0). Lines are written as calls
   * finish; recordings of one key are replayed in `seq` order.
   */
  readonly seq: number;
  /** The request key (`requestCacheKey`), computed before redaction. */
  readonly key: string;
  /** The model called, as `provider:modelId`. */
  readonly model: string;
  /** The normalized request with secrets redacted, for people reading the file. */
  readonly request: NormalizedRequest;
  /** The result, without `raw` and `cached`. */
  readonly result: GenerateResult;
}

/** Bounds on a cassette read for replay. */
export interface CassetteLimits {
  /** Largest file read, in bytes. */
  readonly maxBytes: number;
  /** Most entries read. */
  readonly maxEntries: number;
}

/** Whether `error` is a Node error with this `code`. */
function hasCode(error: unknown, code: string): boolean {
  return (error as { code?: unknown } | null)?.code === code;
}

/**
 * Creates a cassette holding only its header. Refuses an existing file unless `overwrite`, so a
 * recording is never mixed into another.
 *
 * @param path the file
 * @param overwrite replace an existing file
 * @throws CassetteFileError `exists` or `io`
 */
export function createCassetteFile(path: string, overwrite: boolean): void {
  const header: CassetteHeader = {
    format: CASSETTE_FORMAT,
    version: CASSETTE_VERSION,
    keyVersion: CACHE_KEY_VERSION,
    createdAt: new Date().toISOString(),
  };
  let fd: number;
  try {
    fd = openSync(path, overwrite ? "w" : "wx");
  } catch (error) {
    if (hasCode(error, "EEXIST")) {
      throw new CassetteFileError(
        path,
        "exists",
        "the file already exists; record refuses to mix two recordings. Delete it, choose another " +
          "path, or pass overwrite: true to replace it.",
      );
    }
    throw new CassetteFileError(path, "io", `cannot create the file: ${String(error)}`, { cause: error });
  }
  try {
    writeSync(fd, `${JSON.stringify(header)}\n`);
  } catch (error) {
    throw new CassetteFileError(path, "io", `cannot write the header: ${String(error)}`, { cause: error });
  } finally {
    closeSync(fd);
  }
}

/** The line (with its line end) that records `entry`. */
export function cassetteLine(entry: CassetteEntry): string {
  return `${JSON.stringify(entry)}\n`;
}

/**
 * Reads and checks a whole cassette: size, header (format, version, key version) and every
 * entry line.
 *
 * @param path the file
 * @param limits size and entry bounds
 * @returns the entries in file order
 * @throws CassetteFileError naming the file, the line and the problem
 */
export function readCassetteFile(path: string, limits: CassetteLimits): CassetteEntry[] {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (error) {
    if (hasCode(error, "ENOENT")) {
      throw new CassetteFileError(
        path,
        "missing",
        'the file does not exist; record it first with cassette: { path, mode: "record" }.',
        { cause: error },
      );
    }
    throw new CassetteFileError(path, "io", `cannot read the file: ${String(error)}`, { cause: error });
  }
  if (size > limits.maxBytes) {
    throw new CassetteFileError(
      path,
      "too-large",
      `the file has ${size} bytes, more than maxBytes (${limits.maxBytes}); raise maxBytes if it is meant to be this large.`,
    );
  }
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new CassetteFileError(path, "io", `cannot read the file: ${String(error)}`, { cause: error });
  }
  return parseCassette(path, text, limits.maxEntries);
}

/**
 * Parses and checks the text of a cassette.
 *
 * @param path the file, for error messages
 * @param text its content
 * @param maxEntries most entries accepted
 * @throws CassetteFileError naming the line and the problem
 */
export function parseCassette(path: string, text: string, maxEntries: number): CassetteEntry[] {
  if (text.length === 0) {
    throw new CassetteFileError(path, "not-a-cassette", "the file is empty, not a trace-ts cassette.", {
      line: 1,
    });
  }
  const lines = text.split("\n");
  const last = lines.pop();
  if (last !== "") {
    throw new CassetteFileError(
      path,
      "truncated",
      "the last line has no line end: the recording was cut off. Re-record the cassette, or delete " +
        "that line to replay what was recorded before it.",
      { line: lines.length + 1 },
    );
  }
  checkHeader(path, lines[0]!);
  const count = lines.length - 1;
  if (count > maxEntries) {
    throw new CassetteFileError(
      path,
      "too-many-entries",
      `the file holds ${count} entries, more than maxEntries (${maxEntries}); raise maxEntries if it is meant to.`,
    );
  }
  const entries: CassetteEntry[] = [];
  const seen = new Set<number>();
  for (let i = 1; i < lines.length; i++) {
    const entry = parseEntry(path, lines[i]!, i + 1);
    if (seen.has(entry.seq)) {
      throw new CassetteFileError(path, "corrupt-line", `sequence number ${entry.seq} appears twice.`, {
        line: i + 1,
      });
    }
    seen.add(entry.seq);
    entries.push(entry);
  }
  return entries;
}

function checkHeader(path: string, line: string): void {
  let header: Partial<CassetteHeader> | null;
  try {
    header = JSON.parse(line) as Partial<CassetteHeader> | null;
  } catch {
    header = null;
  }
  if (header === null || typeof header !== "object" || header.format !== CASSETTE_FORMAT) {
    throw new CassetteFileError(
      path,
      "not-a-cassette",
      `the first line is not a trace-ts cassette header ({ "format": "${CASSETTE_FORMAT}", "version": ${CASSETTE_VERSION}, ... }).`,
      { line: 1 },
    );
  }
  if (header.version !== CASSETTE_VERSION) {
    throw new CassetteFileError(
      path,
      "unknown-version",
      `cassette format version ${JSON.stringify(header.version)} is not supported; this trace-ts reads ` +
        `version ${CASSETTE_VERSION}. Re-record it with this version, or replay it with the version that wrote it.`,
      { line: 1 },
    );
  }
  if (header.keyVersion !== CACHE_KEY_VERSION) {
    throw new CassetteFileError(
      path,
      "key-version",
      `recorded with request-key version ${JSON.stringify(header.keyVersion)}, but this trace-ts ` +
        `computes version ${CACHE_KEY_VERSION}, so no call would match: re-record the cassette.`,
      { line: 1 },
    );
  }
}

const KEY = /^[0-9a-f]{64}$/;

function parseEntry(path: string, line: string, lineNumber: number): CassetteEntry {
  const corrupt = (problem: string): CassetteFileError =>
    new CassetteFileError(path, "corrupt-line", problem, { line: lineNumber });
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw corrupt(`not valid JSON (${(error as Error).message}).`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw corrupt("not a JSON object.");
  const e = value as Record<string, unknown>;
  if (!Number.isInteger(e.seq) || (e.seq as number) < 0) throw corrupt("`seq` is not a sequence number.");
  if (typeof e.key !== "string" || !KEY.test(e.key)) throw corrupt("`key` is not a request key.");
  if (typeof e.model !== "string") throw corrupt("`model` is missing.");
  if (e.request === null || typeof e.request !== "object") throw corrupt("`request` is missing.");
  const r = e.result as Record<string, unknown> | null | undefined;
  if (r === null || typeof r !== "object") throw corrupt("`result` is missing.");
  if (typeof r.text !== "string") throw corrupt("`result.text` is not a string.");
  if (typeof r.finishReason !== "string") throw corrupt("`result.finishReason` is not a string.");
  if (typeof r.model !== "string") throw corrupt("`result.model` is not a string.");
  const u = r.usage as Record<string, unknown> | null | undefined;
  if (
    u === null ||
    typeof u !== "object" ||
    typeof u.inputTokens !== "number" ||
    typeof u.outputTokens !== "number"
  )
    throw corrupt("`result.usage` lacks inputTokens/outputTokens.");
  if (r.toolCalls !== undefined && !Array.isArray(r.toolCalls))
    throw corrupt("`result.toolCalls` is not an array.");
  return value as CassetteEntry;
}
