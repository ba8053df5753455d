import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { RunCatalog } from "../src/catalog/catalog.js";
import { resolveRoot } from "../src/catalog/discover.js";
import { ViewerPathError } from "../src/errors.js";
import {
  cassetteText,
  completeRun,
  jsonl,
  put,
  removeDir,
  runRecord,
  stepRecord,
  tempDir,
} from "./support-server/logs.js";

let dir: string;
let outside: string;
beforeEach(() => {
  dir = tempDir();
  outside = tempDir();
});
afterEach(() => {
  removeDir(dir);
  removeDir(outside);
});

describe("run discovery", () => {
  it("finds run logs in nested folders and ignores datasets, cassettes, dot-folders and node_modules", async () => {
    put(dir, "top.jsonl", jsonl(completeRun(2)));
    put(dir, "a/b/c/deep.jsonl", jsonl([runRecord(), stepRecord(1, 0.5)]));
    put(dir, "a/b/c/d/too-deep.jsonl", jsonl(completeRun(1)));
    put(dir, "data/train.jsonl", jsonl([{ question: "1+1", answer: "2" }]));
    put(dir, "top.cassette.jsonl", cassetteText(["hello"]));
    put(dir, ".hidden/run.jsonl", jsonl(completeRun(1)));
    put(dir, "node_modules/x/run.jsonl", jsonl(completeRun(1)));
    put(dir, "notes.txt", "hi");
    const catalog = new RunCatalog(resolveRoot([dir]));
    const list = await catalog.list();
    expect(list.root).toBe(dir);
    expect(list.runs.map((r) => r.id).sort()).toEqual(["a/b/c/deep.jsonl", "top.jsonl"]);
    const top = list.runs.find((r) => r.id === "top.jsonl")!;
    expect(top).toEqual(
      expect.objectContaining({
        name: "top",
        runId: "run-abc123",
        algorithm: "minibatch",
        optimizer: "optoprime",
        steps: 2,
        best: 0.75,
        reason: "completed",
        cassette: true,
        problem: null,
      }),
    );
    const deep = list.runs.find((r) => r.id === "a/b/c/deep.jsonl")!;
    expect(deep).toEqual(
      expect.objectContaining({ name: "a/b/c/deep", steps: 1, reason: null, cassette: false }),
    );
    const cassette = await catalog.cassette("top.jsonl");
    expect(cassette?.file).toBe("top.cassette.jsonl");
    expect(cassette?.calls).toHaveLength(1);
    expect(await catalog.cassette("a/b/c/deep.jsonl")).toBeNull();
  });

  it("lists a file given explicitly even when it is not a run log, with its problem", async () => {
    const data = put(dir, "data/train.jsonl", jsonl([{ question: "1+1" }]));
    const run = put(dir, "runs/r.jsonl", jsonl(completeRun(1)));
    const catalog = new RunCatalog(resolveRoot([data, run]));
    const list = await catalog.list();
    expect(list.root).toBe(dir);
    const ids = list.runs.map((r) => r.id).sort();
    expect(ids).toEqual(["data/train.jsonl", "runs/r.jsonl"]);
    expect(list.runs.find((r) => r.id === "data/train.jsonl")?.problem?.kind).toBe("not-a-run-log");
  });

  it("pairs the --cassette file with a single log", async () => {
    const run = put(dir, "r.jsonl", jsonl(completeRun(1)));
    const cassette = put(outside, "recorded.jsonl", cassetteText(["a", "b"]));
    const catalog = new RunCatalog(resolveRoot([run]), { cassette });
    expect((await catalog.list()).runs[0]?.cassette).toBe(true);
    expect((await catalog.cassette("r.jsonl"))?.calls).toHaveLength(2);
  });

  it("does not list a symlink that points outside the root, and ids are never paths", async () => {
    const secret = put(outside, "secret.jsonl", jsonl(completeRun(1)));
    symlinkSync(secret, join(dir, "link.jsonl"));
    put(dir, "ok.jsonl", jsonl(completeRun(1)));
    const catalog = new RunCatalog(resolveRoot([dir]));
    expect((await catalog.list()).runs.map((r) => r.id)).toEqual(["ok.jsonl"]);
    expect(await catalog.run("link.jsonl")).toBeNull();
    expect(await catalog.run(secret)).toBeNull();
    expect(await catalog.run("../secret.jsonl")).toBeNull();
  });

  it("refuses a path that does not exist", () => {
    expect(() => resolveRoot([join(dir, "nope")])).toThrow(ViewerPathError);
  });
});
