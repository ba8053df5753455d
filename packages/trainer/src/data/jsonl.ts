/**
 * Reading JSON Lines (one JSON value per line) with errors that name the file and the line.
 */
import { readFile } from "node:fs/promises";
import { describeValue } from "@trace-ts/core/optimizer";
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
 * `id` (a string or number; a number becomes its text). Other fields are ignored. (An integer id
 * beyond 2^53 cannot be held exactly by a parsed number: `parseJsonl` reads it from the line's
 * text instead.)
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
 * Ids must be unique: two items with the same `id` (as text) throw `DatasetError` naming both
 * lines. With the default parser, an integer id too large for a JavaScript number (beyond 2^53) is
 * read from the line's text, digit for digit, instead of being rounded; such an id that is not a
 * plain integer (`1e30`) is refused — write it as a string.
 *
 * @param text the file's content
 * @param options line parser and source name
 */
export function parseJsonl<E = Example>(text: string, options: JsonlOptions<E> = {}): E[] {
  const source = options.source ?? "<jsonl>";
  const parse = options.parse ?? (toExample as unknown as (value: unknown, line: number) => E);
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const items: E[] = [];
  const idLines = new Map<string, number>();
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
    if (options.parse === undefined) value = exactId(value, line, where);
    let item: E;
    try {
      item = parse(value, i + 1);
    } catch (error) {
      if (error instanceof DatasetError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new DatasetError(reason, where, { cause: error });
    }
    const id = (item as { id?: unknown } | null)?.id;
    if (typeof id === "string" || typeof id === "number") {
      const key = String(id);
      const first = idLines.get(key);
      if (first !== undefined) {
        throw new DatasetError(
          `duplicate id ${JSON.stringify(key)}: lines ${first} and ${i + 1} have the same id (ids must be unique)`,
          where,
        );
      }
      idLines.set(key, i + 1);
    }
    items.push(item);
  }
  return items;
}

/**
 * A parsed line whose numeric `id` is beyond 2^53 (where numbers are no longer exact) with the id
 * read from the line's text instead; other values as they are.
 */
function exactId(value: unknown, line: string, where: { file: string; line: number }): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const id = (value as { id?: unknown }).id;
  if (typeof id !== "number" || Math.abs(id) <= Number.MAX_SAFE_INTEGER) return value;
  const raw = topLevelNumber(line, "id") ?? String(id);
  if (!/^-?\d+$/.test(raw)) {
    throw new DatasetError(
      `"id" ${raw} is a number too large to be read exactly (beyond 2^53); write it as a string: "id": "${raw}"`,
      where,
    );
  }
  return { ...(value as Record<string, unknown>), id: raw };
}

/**
 * The text of the number that is the value of `field` in the top-level object of a JSON line
 * (the last one, as `JSON.parse` keeps the last of repeated keys), or undefined. One pass.
 */
function topLevelNumber(text: string, field: string): string | undefined {
  const numberToken = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  let depth = 0;
  let expectKey = false;
  let found: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
      if (depth === 1 && expectKey) {
        expectKey = false;
        let key: unknown;
        try {
          key = JSON.parse(text.slice(i, end + 1));
        } catch {
          key = undefined;
        }
        if (key === field) {
          let j = end + 1;
          while (/\s|:/.test(text[j] ?? "")) j++;
          numberToken.lastIndex = j;
          found = numberToken.exec(text)?.[0];
        }
      }
      i = end;
    } else if (c === "{" || c === "[") {
      depth++;
      expectKey = depth === 1 && c === "{";
    } else if (c === "}" || c === "]") depth--;
    else if (c === "," && depth === 1) expectKey = true;
  }
  return found;
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
