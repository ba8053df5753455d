/**
 * Reading JSON Lines (one JSON value per line) with errors that name the file and the line.
 */
import { readFile } from "node:fs/promises";
import { describeValue } from "@trace-ts/core/optimizer";
import { DatasetError } from "../errors.js";
import type { Example } from "./example.js";

/**
 * Options of JSONL parsing, in their general form: `P` is what `parse` makes of a line, `E` the
 * item type that `validate` proves. The overloads of `parseJsonl`, `readJsonl` and
 * `Dataset.fromJsonl` take one of the narrower forms below, so the item type is always backed by
 * a check: `JsonlDefaultOptions` (items are `Example`), `JsonlValidateOptions` (the default parser
 * plus a type guard) or `JsonlParseOptions` (your parser, optionally followed by a type guard).
 */
export interface JsonlOptions<E extends P, P = E> {
  /**
   * Turns one parsed line into a dataset item; throw (any error) to reject the line, and the
   * error is reported with the file and line. Returning `undefined` is an error too. Default:
   * `toExample`, which expects `{ "input": …, "target"?: …, "id"?: … }`.
   */
  readonly parse?: ((value: unknown, line: number) => P) | undefined;
  /**
   * A type guard run on every item after `parse`: `true` keeps it and gives the dataset its item
   * type (`(e): e is Example<string, string> => typeof e.input === "string" && …`); `false`
   * rejects the line with a `DatasetError` naming the file and line; throw to reject it with your
   * own message.
   */
  readonly validate?: ((item: P, line: number) => item is E) | undefined;
  /** Name of the source in error messages (default: the file path, or `<jsonl>` for text). */
  readonly source?: string | undefined;
}

/** JSONL options with the default parser and no check: items are `Example<unknown, unknown>`. */
export interface JsonlDefaultOptions extends JsonlOptions<Example> {
  /** Not given: the default parser, `toExample`. */
  readonly parse?: undefined;
  /** Not given: give one (see `JsonlValidateOptions`) to get typed examples. */
  readonly validate?: undefined;
}

/**
 * JSONL options with the default parser (`toExample`) and a type guard that proves each example's
 * type, e.g. `Example<string, string>`.
 *
 * @example
 * const isWordProblem = (e: Example): e is Example<string, string> =>
 *   typeof e.input === "string" && typeof e.target === "string";
 * const data = await Dataset.fromJsonl("problems.jsonl", { validate: isWordProblem });
 * // data: Dataset<Example<string, string>>
 */
export interface JsonlValidateOptions<E extends Example> extends JsonlOptions<E, Example> {
  /** Not given: the default parser, `toExample`. */
  readonly parse?: undefined;
  /** The type guard each example must pass (see `JsonlOptions.validate`). */
  readonly validate: (example: Example, line: number) => example is E;
}

/**
 * JSONL options with your own line parser: the items are what it returns (`P`), or what the
 * optional `validate` guard proves (`E`).
 */
export interface JsonlParseOptions<P, E extends P = P> extends JsonlOptions<E, P> {
  /** Turns one parsed line into an item (see `JsonlOptions.parse`). */
  readonly parse: (value: unknown, line: number) => P;
}

/** Any of the option forms, as the implementations receive them. */
type AnyJsonlOptions = JsonlDefaultOptions | JsonlValidateOptions<Example> | JsonlParseOptions<unknown>;

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
 * is ignored. A line that is not JSON, that `parse` rejects (or turns into `undefined`), or whose
 * item `validate` rejects, throws `DatasetError` naming the source and the 1-based line number.
 *
 * Ids must be unique: two items with the same `id` (as text) throw `DatasetError` naming both
 * lines. With the default parser, an integer id too large for a JavaScript number (beyond 2^53) is
 * read from the line's text, digit for digit, instead of being rounded; such an id that is not a
 * plain integer (`1e30`) is refused — write it as a string.
 *
 * The item type comes from a check, never from a bare type argument: `Example` with the default
 * parser, what `validate` proves, or what `parse` returns.
 *
 * @param text the file's content
 * @param options line parser, type guard and source name
 */
export function parseJsonl(text: string, options?: JsonlDefaultOptions): Example[];
export function parseJsonl<E extends Example>(text: string, options: JsonlValidateOptions<E>): E[];
export function parseJsonl<P, E extends P = P>(text: string, options: JsonlParseOptions<P, E>): E[];
export function parseJsonl(text: string, options: AnyJsonlOptions = {}): unknown[] {
  return parseLines(text, options);
}

/**
 * `parseJsonl` without the overloads, for the other readers: the item type is the caller's to
 * state from the options it checked.
 *
 * @param text the file's content
 * @param options line parser, type guard and source name
 * @internal
 */
export function parseLines(text: string, options: AnyJsonlOptions): unknown[] {
  const source = options.source ?? "<jsonl>";
  const parse = options.parse ?? toExample;
  // validate takes what parse returns: an Example when parse is the default (the overloads say so)
  const validate = options.validate as ((item: unknown, line: number) => boolean) | undefined;
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const items: unknown[] = [];
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
      throw new DatasetError(`line is not valid JSON (${reason}): ${shorten(line)}`, where, { cause: error });
    }
    if (options.parse === undefined) value = exactId(value, line, where);
    const item = checkedItem(value, i + 1, parse, validate, where);
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

/** One line's item: parsed, then validated; any failure is a `DatasetError` at `where`. */
function checkedItem(
  value: unknown,
  line: number,
  parse: (value: unknown, line: number) => unknown,
  validate: ((item: unknown, line: number) => boolean) | undefined,
  where: { file: string; line: number },
): unknown {
  const rethrow = (error: unknown): never => {
    if (error instanceof DatasetError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new DatasetError(reason, where, { cause: error });
  };
  let item: unknown;
  try {
    item = parse(value, line);
  } catch (error) {
    return rethrow(error);
  }
  if (item === undefined) {
    throw new DatasetError(
      "parse returned undefined for this line (return the item, or throw to reject the line)",
      where,
    );
  }
  if (validate === undefined) return item;
  let valid: boolean;
  try {
    valid = validate(item, line);
  } catch (error) {
    return rethrow(error);
  }
  if (!valid) {
    const name =
      validate.name === "" || validate.name === "validate" ? "validate" : `validate (${validate.name})`;
    throw new DatasetError(`${name} rejected the item ${shorten(preview(item))}`, where);
  }
  return item;
}

/** The item as JSON for an error message, or a description when it is not JSON. */
function preview(item: unknown): string {
  try {
    return JSON.stringify(item) ?? describeValue(item);
  } catch {
    return describeValue(item);
  }
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
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
 * Reads a JSONL file (see `parseJsonl`, which also explains the options and the item type). A
 * missing or unreadable file, or a file without any example, throws `DatasetError` naming it.
 *
 * @param path the file
 * @param options line parser and type guard (the source name defaults to `path`)
 */
export async function readJsonl(path: string, options?: JsonlDefaultOptions): Promise<Example[]>;
export async function readJsonl<E extends Example>(
  path: string,
  options: JsonlValidateOptions<E>,
): Promise<E[]>;
export async function readJsonl<P, E extends P = P>(
  path: string,
  options: JsonlParseOptions<P, E>,
): Promise<E[]>;
export async function readJsonl(path: string, options: AnyJsonlOptions = {}): Promise<unknown[]> {
  return readLines(path, options);
}

/**
 * `readJsonl` without the overloads (see `parseLines`).
 *
 * @param path the file
 * @param options line parser, type guard and source name
 * @internal
 */
export async function readLines(path: string, options: AnyJsonlOptions): Promise<unknown[]> {
  const source = options.source ?? path;
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DatasetError(`cannot read the file (${reason})`, { file: source }, { cause: error });
  }
  const items = parseLines(text, { ...options, source });
  if (items.length === 0)
    throw new DatasetError("the file holds no examples (it is empty or blank)", { file: source });
  return items;
}
