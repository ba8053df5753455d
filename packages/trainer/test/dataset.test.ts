import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";
import { Dataset, DatasetError, EpochSampler, parseJsonl, Rng } from "@trace-ts/trainer";
import { tempDirs } from "./helpers/tmp.js";

const examples = Array.from({ length: 20 }, (_, i) => ({ input: `q${i}`, target: i }));
const tempDir = tempDirs("trainer-ds-");

function tempFile(name: string, text: string): string {
  const path = join(tempDir(), name);
  writeFileSync(path, text);
  return path;
}

describe("Dataset", () => {
  it("reads JSONL (blank lines skipped, BOM ignored, ids as text)", async () => {
    const path = tempFile(
      "ok.jsonl",
      '\uFEFF{"input": "2+2", "target": "4", "id": 1}\n\n{"input": {"a": 1}}\r\n{"input": "x", "target": null, "extra": true}\n',
    );
    const ds = await Dataset.fromJsonl(path);
    expect(ds.length).toBe(3);
    expect(ds.at(0)).toEqual({ input: "2+2", target: "4", id: "1" });
    expect(ds.at(1)).toEqual({ input: { a: 1 } });
    expect(ds.at(2)).toEqual({ input: "x", target: null });
    expect(ds.name).toBe(path);
  });

  it("names the file and line of a bad JSONL line", async () => {
    const bad = tempFile("bad.jsonl", '{"input": 1}\n{"input": 2,}\n');
    const error = await Dataset.fromJsonl(bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).code).toBe("DATASET_INVALID");
    expect((error as DatasetError).line).toBe(2);
    expect((error as DatasetError).message).toContain(`${bad}:2: line is not valid JSON`);

    const shape = tempFile("shape.jsonl", '{"input": 1}\n\n{"question": "?", "answer": 3}\n');
    await expect(Dataset.fromJsonl(shape)).rejects.toThrow(
      `${shape}:3: expected an object with an "input" field`,
    );
    const arr = tempFile("arr.jsonl", "[1, 2]\n");
    await expect(Dataset.fromJsonl(arr)).rejects.toThrow(`${arr}:1: expected an object`);
    const id = tempFile("id.jsonl", '{"input": 1, "id": {"x": 1}}\n');
    await expect(Dataset.fromJsonl(id)).rejects.toThrow(`${id}:1: "id" must be a string or a number`);
  });

  it("reports a missing or empty file, and line errors of a custom parser", async () => {
    await expect(Dataset.fromJsonl("/nonexistent/x.jsonl")).rejects.toThrow(
      "/nonexistent/x.jsonl: cannot read the file",
    );
    const empty = tempFile("empty.jsonl", "\n  \n");
    await expect(Dataset.fromJsonl(empty)).rejects.toThrow("holds no examples");
    const custom = tempFile("custom.jsonl", '{"q": "a", "a": 1}\n{"q": "b"}\n');
    const parse = (v: unknown) => {
      const r = v as { q: string; a?: number };
      if (r.a === undefined) throw new Error("missing answer 'a'");
      return { input: r.q, target: r.a };
    };
    await expect(Dataset.fromJsonl(custom, { parse })).rejects.toThrow(`${custom}:2: missing answer 'a'`);
    const ok = Dataset.parseJsonl('{"q": "a", "a": 1}', { parse });
    expect(ok.items).toEqual([{ input: "a", target: 1 }]);
  });

  it("reads integer ids beyond 2^53 digit for digit, and refuses ones it cannot read exactly", async () => {
    const path = tempFile(
      "big.jsonl",
      [
        '{"input": "a", "id": 9007199254740993}',
        '{"meta": {"id": 1}, "input": "b", "id": 12345678901234567890123, "note": "x"}',
        '{"input": "c", "id": -9007199254740995}',
        '{"input": "d", "id": 9007199254740991}',
        '{"input": {"id": 99999999999999999999}, "id": "e"}',
      ].join("\n"),
    );
    const ds = await Dataset.fromJsonl(path);
    expect(ds.items.map((e) => e.id)).toEqual([
      "9007199254740993",
      "12345678901234567890123",
      "-9007199254740995",
      "9007199254740991",
      "e",
    ]);
    // 9007199254740993 and 9007199254740992 are the same JavaScript number: no false duplicate
    const near = parseJsonl('{"input": 1, "id": 9007199254740993}\n{"input": 2, "id": 9007199254740992}');
    expect(near.map((e) => e.id)).toEqual(["9007199254740993", "9007199254740992"]);
    const inexact = tempFile("inexact.jsonl", '{"input": 1}\n{"input": 2, "id": 1e30}\n');
    const error = await Dataset.fromJsonl(inexact).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).line).toBe(2);
    expect((error as Error).message).toBe(
      `${inexact}:2: "id" 1e30 is a number too large to be read exactly (beyond 2^53); write it as a string: "id": "1e30"`,
    );
  });

  it("refuses duplicate ids, naming both lines", async () => {
    const path = tempFile(
      "dup.jsonl",
      '{"input": 1, "id": "a"}\n{"input": 2, "id": 7}\n\n{"input": 3, "id": "7"}\n',
    );
    const error = await Dataset.fromJsonl(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).line).toBe(4);
    expect((error as Error).message).toBe(
      `${path}:4: duplicate id "7": lines 2 and 4 have the same id (ids must be unique)`,
    );
    // a custom parser's ids are checked too; items without ids are not
    const parse = (v: unknown) => ({ input: v, id: String((v as { k: string }).k) });
    expect(() => parseJsonl('{"k": "x"}\n{"k": "x"}', { parse, source: "s" })).toThrow(
      's:2: duplicate id "x": lines 1 and 2',
    );
    expect(parseJsonl('{"input": 1}\n{"input": 1}')).toHaveLength(2);
  });

  it("shuffles deterministically for a seed", () => {
    const ds = Dataset.from(examples);
    const a = ds.shuffled(11).items.map((e) => e.target);
    expect(ds.shuffled(11).items.map((e) => e.target)).toEqual(a);
    expect(ds.shuffled(12).items.map((e) => e.target)).not.toEqual(a);
    expect([...a].sort((x, y) => x - y)).toEqual(examples.map((e) => e.target));
    // the original is untouched
    expect(ds.items.map((e) => e.target)).toEqual(examples.map((e) => e.target));
  });

  it("splits by fractions or counts, disjoint and deterministic", () => {
    const ds = Dataset.from(examples, { name: "nums" });
    const s = ds.split({ validation: 0.2, test: 0.25 }, { seed: 5 });
    expect([s.train.length, s.validation.length, s.test.length]).toEqual([11, 4, 5]);
    const all = [...s.train, ...s.validation, ...s.test].map((e) => e.target).sort((x, y) => x - y);
    expect(all).toEqual(examples.map((e) => e.target));
    const again = ds.split({ validation: 0.2, test: 0.25 }, { seed: 5 });
    expect(again.validation.items).toEqual(s.validation.items);
    expect(s.validation.name).toBe("nums[validation]");

    const counts = ds.split({ train: 10, validation: 5 }, { shuffle: false });
    expect(counts.train.items.map((e) => e.target)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(counts.test.length).toBe(0);
    expect(() => ds.split({ train: 15, validation: 10 })).toThrow(DatasetError);
    expect(() => ds.split({ train: 10.5, validation: 2 })).toThrow("must be an integer");
    expect(() => ds.split({ validation: -0.1 })).toThrow(DatasetError);
  });

  it("makes minibatches and fingerprints", () => {
    const ds = Dataset.from(examples);
    expect(ds.batches(6).map((b) => b.length)).toEqual([6, 6, 6, 2]);
    expect(ds.batches(6, { dropLast: true }).map((b) => b.length)).toEqual([6, 6, 6]);
    expect(ds.batches(6, { seed: 1 }).flat()).toEqual(ds.shuffled(1).items);
    expect(() => ds.batches(0)).toThrow(DatasetError);
    expect(ds.fingerprint()).toBe(Dataset.from(examples).fingerprint());
    expect(ds.fingerprint()).not.toBe(ds.slice(1).fingerprint());
    expect(() => ds.at(20)).toThrow(RangeError);
    expect(ds.at(-1)).toEqual(examples[19]);
  });
});

describe("EpochSampler", () => {
  it("visits every index once per epoch, in a seeded order, and resumes from its state", () => {
    const sampler = new EpochSampler(10, 4, Rng.fromSeed(9));
    const first = [sampler.next(), sampler.next(), sampler.next()];
    expect(first.map((b) => b.indices.length)).toEqual([4, 4, 2]);
    expect(first.every((b) => b.epoch === 1)).toBe(true);
    expect(first.flatMap((b) => b.indices).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(sampler.epochsCompleted).toBe(1);

    const rng = Rng.fromSeed(9);
    const a = new EpochSampler(10, 4, rng);
    a.next();
    a.next();
    const saved = JSON.parse(JSON.stringify({ data: a.state(), rng: rng.state() }));
    const rest = [a.next(), a.next(), a.next()];
    const b = new EpochSampler(10, 4, Rng.fromState(saved.rng));
    b.loadState(saved.data);
    expect([b.next(), b.next(), b.next()]).toEqual(rest);
    expect(rest[1]!.epoch).toBe(2);

    expect(() => b.loadState({ epoch: 1, order: [0, 0, 1, 2, 3, 4, 5, 6, 7, 8], position: 0 })).toThrow(
      RangeError,
    );
    const plain = new EpochSampler(5, 2, Rng.fromSeed(1), false);
    expect([plain.next(), plain.next(), plain.next()].flatMap((x) => x.indices)).toEqual([0, 1, 2, 3, 4]);
  });
});
