/**
 * Typed datasets: the item type of `Dataset.fromJsonl` / `parseJsonl` / `readJsonl` comes from a
 * check (`validate`, a type guard, or `parse`), never from a bare type argument; a line that fails
 * the check is a `DatasetError` naming the file and line. The type-level half of these tests is
 * checked by `npm run typecheck` (tsconfig.test.json).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";
import { Dataset, DatasetError, type Example, parseJsonl, readJsonl } from "@trace-ts/trainer";
import { tempDirs } from "./helpers/tmp.js";

const tempDir = tempDirs("trainer-typed-");

const isTextExample = (e: Example): e is Example<string, string> =>
  typeof e.input === "string" && typeof e.target === "string";

const TEXT = '{"input": "2+2", "target": "4"}\n{"input": "3+3", "target": "6", "id": 7}\n';

function caught(run: () => unknown): DatasetError {
  try {
    run();
  } catch (error) {
    if (error instanceof DatasetError) return error;
    throw error;
  }
  throw new Error("expected a DatasetError");
}

describe("typed JSONL datasets", () => {
  it("types the items by the validate guard and keeps the lines that pass", async () => {
    const path = join(tempDir(), "wp.jsonl");
    writeFileSync(path, TEXT);
    const ds: Dataset<Example<string, string>> = await Dataset.fromJsonl(path, { validate: isTextExample });
    const first: string = ds.at(0).input;
    const target: string | undefined = ds.at(1).target;
    expect([first, target, ds.at(1).id, ds.name]).toEqual(["2+2", "6", "7", path]);

    const parsed: Dataset<Example<string, string>> = Dataset.parseJsonl(TEXT, {
      validate: isTextExample,
      name: "wp",
    });
    expect(parsed.name).toBe("wp");
    const items: Example<string, string>[] = parseJsonl(TEXT, { validate: isTextExample });
    expect(items.map((e) => e.input.length)).toEqual([3, 3]);
    const read: Example<string, string>[] = await readJsonl(path, { validate: isTextExample });
    expect(read).toEqual(items);
  });

  it("names the file and line of an item the guard rejects", async () => {
    const path = join(tempDir(), "bad.jsonl");
    writeFileSync(path, '{"input": "2+2", "target": "4"}\n\n{"input": "x", "target": 42}\n');
    const error = await Dataset.fromJsonl(path, { validate: isTextExample }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).code).toBe("DATASET_INVALID");
    expect((error as DatasetError).file).toBe(path);
    expect((error as DatasetError).line).toBe(3);
    expect((error as DatasetError).message).toBe(
      `${path}:3: validate (isTextExample) rejected the item {"input":"x","target":42}`,
    );
  });

  it("reports a guard's own error with the line, and an anonymous guard as validate", () => {
    const strict = (e: Example, line: number): e is Example<string, string> => {
      if (typeof e.target !== "string") throw new TypeError(`target must be text (line ${line})`);
      return typeof e.input === "string";
    };
    const thrown = caught(() =>
      parseJsonl('{"input": "a", "target": "b"}\n{"input": "a"}', { validate: strict }),
    );
    expect(thrown.message).toBe("<jsonl>:2: target must be text (line 2)");
    expect(thrown.cause).toBeInstanceOf(TypeError);

    const rejected = caught(() =>
      parseJsonl('{"input": 1}', {
        source: "mem",
        validate: (e): e is Example<string> => typeof e.input === "string",
      }),
    );
    expect(rejected.message).toBe('mem:1: validate rejected the item {"input":1}');
  });

  it("narrows what parse returns with validate, and refuses a parse that returns undefined", () => {
    type Problem = { readonly input: string; readonly target: number };
    const text = '{"q": "a", "a": 1}\n{"q": "b", "a": 2}\n{"q": "c", "a": "3"}';
    const options = {
      parse: (value: unknown) => {
        const raw = value as { q?: unknown; a?: unknown };
        return { input: raw.q, target: raw.a };
      },
      validate: (item: { input: unknown; target: unknown }): item is Problem =>
        typeof item.input === "string" && typeof item.target === "number",
    };
    const data: Dataset<Problem> = Dataset.parseJsonl(text.split("\n").slice(0, 2).join("\n"), options);
    expect(data.items.map((p) => p.target + 1)).toEqual([2, 3]);
    expect(caught(() => Dataset.parseJsonl(text, options)).message).toBe(
      '<jsonl>:3: validate rejected the item {"input":"c","target":"3"}',
    );

    const forgot = caught(() =>
      Dataset.parseJsonl('{"q": "a"}', {
        source: "s.jsonl",
        parse: (value): Example | undefined => {
          if (value === null) return { input: value };
          return undefined;
        },
      }),
    );
    expect(forgot.line).toBe(1);
    expect(forgot.message).toContain("s.jsonl:1: parse returned undefined");
  });

  it("keeps the untyped default and the parse-inferred types", () => {
    const plain: Dataset<Example> = Dataset.parseJsonl(TEXT);
    expect(plain.at(0).input).toBe("2+2");
    const mapped = Dataset.parseJsonl(TEXT, {
      parse: (value) => ({ input: String((value as { input: unknown }).input), target: 1 }),
    });
    const input: string = mapped.at(0).input;
    expect(input).toBe("2+2");
  });

  it("does not let a bare type argument or a boolean check stand in for a type guard", () => {
    // @ts-expect-error -- an unchecked cast: without validate or parse the items are Example<unknown, unknown>
    const cast = Dataset.parseJsonl<Example<string, string>>(TEXT);
    // @ts-expect-error -- validate must be a type guard (e is …), not a plain boolean function
    const boolean = Dataset.parseJsonl(TEXT, { validate: (e: Example) => typeof e.input === "string" });
    expect([cast.length, boolean.length]).toEqual([2, 2]);
  });
});
