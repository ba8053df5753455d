import { appendFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { readCassette } from "../src/read/cassette.js";
import { LogFollower } from "../src/read/follow.js";
import { readRunLog } from "../src/read/run-log.js";
import {
  cassetteText,
  completeRun,
  endRecord,
  jsonl,
  put,
  removeDir,
  resumeRecord,
  runRecord,
  stepRecord,
  tempDir,
} from "./support-server/logs.js";

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => removeDir(dir));

describe("readRunLog", () => {
  it("reads a complete run", async () => {
    const text = jsonl(completeRun(2));
    const path = put(dir, "a.jsonl", text);
    const read = await readRunLog(path);
    expect(read.problems).toEqual([]);
    expect(read.records.map((r) => r.type)).toEqual(["run", "eval", "step", "eval", "step", "eval", "end"]);
    expect(read.bytes).toBe(Buffer.byteLength(text));
    expect(read.complete).toBe(true);
  });

  it("reports a malformed line by number and keeps the others", async () => {
    const records = completeRun(1);
    const text = `${jsonl(records.slice(0, 2))}{not json\n[1,2]\n{"type":"bogus"}\n${jsonl(records.slice(2))}`;
    const read = await readRunLog(put(dir, "a.jsonl", text));
    expect(read.problems.map((p) => [p.kind, p.line])).toEqual([
      ["malformed", 3],
      ["malformed", 4],
      ["malformed", 5],
    ]);
    expect(read.records).toHaveLength(records.length);
    expect(read.complete).toBe(true);
  });

  it("leaves an incomplete last line unconsumed and reports it as truncated", async () => {
    const head = jsonl([runRecord(), stepRecord(1, 0.5)]);
    const path = put(dir, "a.jsonl", `${head}{"type":"step","ste`);
    const read = await readRunLog(path);
    expect(read.records).toHaveLength(2);
    expect(read.bytes).toBe(Buffer.byteLength(head));
    expect(read.problems).toEqual([expect.objectContaining({ kind: "truncated", line: 3 })]);
    expect(read.complete).toBe(false);
  });

  it("refuses a file that is not a run log, and shows none of its records", async () => {
    const path = put(
      dir,
      "data.jsonl",
      jsonl([{ type: "run", question: "1+1", answer: "2" }, stepRecord(1, 1)]),
    );
    const read = await readRunLog(path);
    expect(read.records).toEqual([]);
    expect(read.problems[0]).toEqual(expect.objectContaining({ kind: "not-a-run-log", line: 1 }));
  });

  it("refuses an unknown version", async () => {
    const path = put(dir, "a.jsonl", jsonl([runRecord({ version: 2 }), stepRecord(1, 1)]));
    const read = await readRunLog(path);
    expect(read.records).toEqual([]);
    expect(read.problems[0]?.kind).toBe("unknown-version");
  });

  it("caps the file and line sizes", async () => {
    const text = jsonl(completeRun(3));
    const path = put(dir, "a.jsonl", text);
    const small = await readRunLog(path, { maxFileBytes: 2000 });
    expect(small.problems.some((p) => p.kind === "too-large" && p.line === null)).toBe(true);
    expect(small.bytes).toBeLessThanOrEqual(2000);
    const shortLines = await readRunLog(path, { maxLineBytes: 900 });
    const problem = shortLines.problems.find((p) => p.kind === "too-large");
    expect(problem?.line).toBe(3);
    expect(shortLines.records).toHaveLength(2);
  });

  it("reports an unreadable file", async () => {
    const read = await readRunLog(join(dir, "missing.jsonl"));
    expect(read.problems).toEqual([expect.objectContaining({ kind: "unreadable", line: null })]);
  });

  it("is complete only with an end record after the last resume", async () => {
    const records = [runRecord(), stepRecord(1, 0.5), endRecord(1, 0.5, "cancelled"), resumeRecord(1)];
    const resumed = await readRunLog(put(dir, "a.jsonl", jsonl(records)));
    expect(resumed.complete).toBe(false);
    const ended = await readRunLog(
      put(dir, "b.jsonl", jsonl([...records, stepRecord(2, 0.7), endRecord(2, 0.7)])),
    );
    expect(ended.complete).toBe(true);
  });
});

describe("LogFollower", () => {
  it("returns appended records once their line is complete, then resets on shrink", async () => {
    const head = jsonl([runRecord(), stepRecord(1, 0.5)]);
    const path = put(dir, "a.jsonl", head);
    const follower = await LogFollower.start(path, Buffer.byteLength(head));
    expect(await follower.poll()).toEqual([]);
    const step = JSON.stringify(stepRecord(2, 0.75));
    appendFileSync(path, step.slice(0, 40));
    expect(await follower.poll()).toEqual([]);
    appendFileSync(path, `${step.slice(40)}\n${JSON.stringify(endRecord(2, 0.75))}\n`);
    const events = await follower.poll();
    expect(events).toHaveLength(1);
    const [event] = events;
    if (event?.kind !== "records") throw new Error("expected records");
    expect(event.records.map((r) => r.type)).toEqual(["step", "end"]);
    expect(event.complete).toBe(true);
    expect(event.bytes).toBe(follower.offset);
    appendFileSync(path, "oops\n");
    const bad = await follower.poll();
    expect(bad).toContainEqual({
      kind: "problem",
      problem: expect.objectContaining({ kind: "malformed", line: 5 }),
    });
    truncateSync(path, Buffer.byteLength(head));
    expect(await follower.poll()).toEqual([{ kind: "reset" }]);
  });

  it("resets when the file was replaced or the offset is not a line start", async () => {
    const head = jsonl([runRecord()]);
    const path = put(dir, "a.jsonl", head);
    const follower = await LogFollower.start(path, Buffer.byteLength(head));
    const replacement = put(dir, "b.jsonl", `${head}${jsonl([stepRecord(1, 1)])}`);
    const { renameSync } = await import("node:fs");
    renameSync(replacement, path);
    expect(await follower.poll()).toEqual([{ kind: "reset" }]);
    const middle = await LogFollower.start(path, 10);
    expect(await middle.poll()).toEqual([{ kind: "reset" }]);
    const beyond = await LogFollower.start(path, 1_000_000);
    expect(await beyond.poll()).toEqual([{ kind: "reset" }]);
  });

  it("follows from zero, checking the header", async () => {
    const path = put(dir, "a.jsonl", "");
    const follower = await LogFollower.start(path, 0);
    expect(await follower.poll()).toEqual([]);
    writeFileSync(path, jsonl([{ type: "run", format: "other" }]));
    const events = await follower.poll();
    expect(events).toContainEqual({
      kind: "problem",
      problem: expect.objectContaining({ kind: "not-a-run-log" }),
    });
    expect(follower.done).toBe(true);
  });
});

describe("readCassette", () => {
  it("reads calls in seq order, capping long texts and summarizing image parts", async () => {
    const long = "x".repeat(100_050);
    const text = cassetteText(["first", long]);
    const lines = text.trimEnd().split("\n");
    const second = JSON.parse(lines[2]!) as { request: Record<string, unknown> };
    second.request.v2 = {
      messages: [
        null,
        {
          parts: [
            { type: "text", text: "look" },
            { type: "image", url: "data:image/png;base64,AAAA" },
          ],
        },
      ],
      tools: null,
      toolChoice: null,
    };
    const path = put(dir, "a.cassette.jsonl", `${lines[0]}\n${JSON.stringify(second)}\n${lines[1]}\nnope\n`);
    const cassette = await readCassette(path, "a.cassette.jsonl");
    expect(cassette.calls.map((c) => c.seq)).toEqual([0, 1]);
    expect(cassette.calls[1]?.messages[1]?.content).toBe("look\n[image]");
    expect(cassette.calls[1]?.response?.length).toBeLessThan(100_100);
    expect(cassette.calls[1]?.response).toMatch(/more characters not shown/);
    expect(cassette.calls[0]).toEqual(
      expect.objectContaining({
        model: "scripted:test-model",
        inputTokens: 10,
        outputTokens: 5,
        finishReason: "stop",
      }),
    );
    expect(cassette.problems).toEqual([expect.objectContaining({ kind: "malformed", line: 4 })]);
  });

  it("refuses a file without a cassette header or of another version", async () => {
    const wrong = await readCassette(put(dir, "a.cassette.jsonl", jsonl([runRecord()])), "a");
    expect(wrong.calls).toEqual([]);
    expect(wrong.problems[0]?.line).toBe(1);
    const version = await readCassette(
      put(dir, "b.cassette.jsonl", cassetteText(["x"], { version: 9 })),
      "b",
    );
    expect(version.problems[0]?.kind).toBe("unknown-version");
  });
});
