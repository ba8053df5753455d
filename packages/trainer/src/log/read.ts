/** Reading run logs and their JSON Schema. */
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { DatasetError } from "../errors.js";
import type { RunLogRecord } from "./records.js";

/** Location of the run log's JSON Schema file shipped with the package (`schema/run-log.schema.json`). */
export const RUN_LOG_SCHEMA_PATH: string = fileURLToPath(
  new URL("../../schema/run-log.schema.json", import.meta.url),
);

/** The run log's JSON Schema (draft-07), parsed; validate each record (each line) against it. */
export function runLogSchema(): Record<string, unknown> {
  return JSON.parse(readFileSync(RUN_LOG_SCHEMA_PATH, "utf8")) as Record<string, unknown>;
}

/**
 * Reads a run log. A last line without its newline (a process killed while writing it) is
 * skipped; any other line that is not JSON throws `DatasetError` naming the file and line.
 *
 * @param path the log file
 */
export async function readRunLog(path: string): Promise<RunLogRecord[]> {
  const text = await readFile(path, "utf8");
  const lines = text.split("\n");
  const records: RunLogRecord[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    const complete = i < lines.length - 1;
    try {
      records.push(JSON.parse(line) as RunLogRecord);
    } catch (error) {
      if (!complete) break;
      throw new DatasetError("run-log line is not valid JSON", { file: path, line: i + 1 }, { cause: error });
    }
  }
  return records;
}

/**
 * @internal Whether a log holds nothing but (part of) a `run` record: what a run killed before its
 * first checkpoint leaves. `resume(…, { startIfMissing })` may replace such a log.
 */
export function isHeaderOnly(path: string): boolean {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return false;
  }
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  if (lines.length === 0) return true;
  if (lines.length > 1) return false;
  try {
    return (JSON.parse(lines[0]!) as { type?: unknown }).type === "run";
  } catch {
    return lines[0]!.startsWith('{"type":"run"');
  }
}
