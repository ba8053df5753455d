/**
 * Reading JSON Lines (one JSON value per line) with errors that name the file and the line.
 */
import { readFile } from "node:fs/promises";
import { describeValue } from "@trace-ts/core";
import { DatasetError } from "../errors.js";
import type { Example } from "./example.js";

/** Options of JSONL parsing. */
export interface JsonlOptions<E> {
  /**
   * Turns one parsed line into a dataset item; throw (any error) to reject the line, and the
   * error is reported with the file and line. Default: `toExample`, which expects
   * `{ "input": …, "target"?: …, "id"?: … }`.
   */
  readonly parse?: (value: unknown, line: number) => E;
  /** Name of the source in error messages (default: the file path, or `<jsonl>` for text). */
  readonly source?: string;
}

/**
 * The default line parser: an object with an `input` field, an optional `target` and an optional
 * `id` (a string or number). Other fields are ignored.
 *
 * @param value one parsed JSON line
 */
export function toExample(value: unknown): Example {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new TypeError(`expected an object with an "input" field, got ${describeValue(value)}`);
  }
  const record = value as Record<string, unknown>;
  if (!Object.hasOwn(record, "input")) {
    const fields = Object.keys(record);
    throw new TypeError(
      `expected an object with an "input" field, got one with ${fields.length === 0 ? "no fields" : `the fields ${fields.map((f) => JSON.stringify(f)).join(", ")}`} (pass { parse } to map other shapes)`,
    );
  }
  const id = record.id;
  if (id !== undefined && typeof id !== "string" && typeof id !== "number") {
    throw new TypeError(`"id" must be a string or a number, got ${describeValue(id)}`);
  }
  const example: { input: unknown; target?: unknown; id?: string } = { input: record.input };
  if (Object.hasOwn(record, "target")) example.target = record.target;
  if (id !== undefined) example.id = String(id);
  return example;
}

/**
 * Parses JSONL text: one JSON value per line; blank lines are skipped; a leading byte-order mark
 * is ignored. A line that is not JSON, or that `parse` rejects, throws `DatasetError` naming the
 * source and the 1-based line number.
 *
 * @param text the file's content
 * @param options line parser and source name
 */
export function parseJsonl<E = Example>(text: string, options: JsonlOptions<E> = {}): E[] {
  const source = options.source ?? "<jsonl>";
  const parse = options.parse ?? (toExample as unknown as (value: unknown, line: number) => E);
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const items: E[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    const where = { file: source, line: i + 1 };
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const shown = line.length > 60 ? `${line.slice(0, 60)}…` : line;
      throw new DatasetError(`line is not valid JSON (${reason}): ${shown}`, where, { cause: error });
    }
    try {
      items.push(parse(value, i + 1));
    } catch (error) {
      if (error instanceof DatasetError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new DatasetError(reason, where, { cause: error });
    }
  }
  return items;
}

/**
 * Reads a JSONL file (see `parseJsonl`). A missing or unreadable file, or a file without any
 * example, throws `DatasetError` naming it.
 *
 * @param path the file
 * @param options line parser (the source name defaults to `path`)
 */
export async function readJsonl<E = Example>(path: string, options: JsonlOptions<E> = {}): Promise<E[]> {
  const source = options.source ?? path;
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DatasetError(`cannot read the file (${reason})`, { file: source }, { cause: error });
  }
  const items = parseJsonl(text, { ...options, source });
  if (items.length === 0)
    throw new DatasetError("the file holds no examples (it is empty or blank)", { file: source });
  return items;
}
