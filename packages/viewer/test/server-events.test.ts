import { appendFileSync, truncateSync } from "node:fs";
import { type IncomingMessage, request } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { LogEvent, RunResponse } from "../src/protocol.js";
import { MAX_STREAMS } from "../src/server/events.js";
import { type RunningViewer, startViewer } from "../src/server/viewer.js";
import { send } from "./support-server/http.js";
import {
  endRecord,
  jsonl,
  put,
  removeDir,
  runRecord,
  stepRecord,
  stubAssets,
  tempDir,
} from "./support-server/logs.js";

/** An open event stream, parsed into events as they arrive. */
interface Stream {
  readonly res: IncomingMessage;
  readonly events: { name: string; data: LogEvent }[];
  readonly text: () => string;
  readonly ended: Promise<void>;
  next(count: number): Promise<void>;
}

function open(port: number, path: string): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, agent: false }, (res) => {
      let raw = "";
      const events: { name: string; data: LogEvent }[] = [];
      const waiters: (() => void)[] = [];
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        raw += chunk;
        const blocks = raw.split("\n\n").slice(0, -1);
        const parsed = blocks
          .filter((b) => b.startsWith("event: "))
          .map((b) => {
            const [eventLine, dataLine] = b.split("\n");
            return { name: eventLine!.slice(7), data: JSON.parse(dataLine!.slice(6)) as LogEvent };
          });
        events.splice(0, events.length, ...parsed);
        for (const waiter of waiters.splice(0)) waiter();
      });
      const ended = new Promise<void>((done) => res.on("close", () => done()));
      resolve({
        res,
        events,
        text: () => raw,
        ended,
        next: (count) =>
          new Promise<void>((done) => {
            const check = (): void => {
              if (events.length >= count) done();
              else waiters.push(check);
            };
            check();
          }),
      });
    });
    req.on("error", reject);
    req.end();
  });
}

let dir: string;
let viewer: RunningViewer;
let t: string;
let path: string;

beforeAll(async () => {
  dir = tempDir();
  path = put(dir, "runs/live.jsonl", jsonl([runRecord(), stepRecord(1, 0.5)]));
  viewer = await startViewer({ paths: [join(dir, "runs")], assetsDir: stubAssets(dir) });
  t = encodeURIComponent(viewer.token);
}, 60_000);

afterAll(async () => {
  await viewer?.close();
  removeDir(dir);
});

describe("/api/events", () => {
  it("streams appended records, then a reset when the log shrinks", async () => {
    const run = JSON.parse(
      (await send(viewer.port, `/api/run?token=${t}&id=live.jsonl`)).body,
    ) as RunResponse;
    expect(run.complete).toBe(false);
    const stream = await open(viewer.port, `/api/events?token=${t}&id=live.jsonl&from=${run.bytes}`);
    expect(stream.res.statusCode).toBe(200);
    expect(stream.res.headers["content-type"]).toMatch(/^text\/event-stream/);
    expect(stream.res.headers["content-security-policy"]).toBeDefined();
    appendFileSync(path, jsonl([stepRecord(2, 0.75)]));
    await stream.next(1);
    appendFileSync(path, jsonl([endRecord(2, 0.75)]));
    await stream.next(2);
    const [first, second] = stream.events;
    expect(first?.name).toBe("records");
    if (first?.data.kind !== "records" || second?.data.kind !== "records")
      throw new Error("expected records");
    expect(first.data.records.map((r) => r.step)).toEqual([2]);
    expect(first.data.complete).toBe(false);
    expect(second.data.records.map((r) => r.type)).toEqual(["end"]);
    expect(second.data.complete).toBe(true);
    truncateSync(path, run.bytes);
    await stream.next(3);
    expect(stream.events[2]).toEqual({ name: "reset", data: { kind: "reset" } });
    stream.res.destroy();
    await stream.ended;
  }, 60_000);

  it("refuses bad offsets and unknown runs", async () => {
    expect((await send(viewer.port, `/api/events?token=${t}&id=live.jsonl&from=-1`)).status).toBe(400);
    expect((await send(viewer.port, `/api/events?token=${t}&id=nope.jsonl&from=0`)).status).toBe(404);
    expect((await send(viewer.port, `/api/events?id=live.jsonl&from=0`)).status).toBe(403);
  });

  it(`allows ${MAX_STREAMS} streams at once, and close() ends them`, async () => {
    const streams: Stream[] = [];
    for (let i = 0; i < MAX_STREAMS; i++) {
      streams.push(await open(viewer.port, `/api/events?token=${t}&id=live.jsonl&from=0`));
    }
    const extra = await send(viewer.port, `/api/events?token=${t}&id=live.jsonl&from=0`);
    expect(extra.status).toBe(503);
    const dropped = streams.pop()!;
    dropped.res.destroy();
    await dropped.ended;
    // The server notices the disconnect a moment later: retry until the slot is free.
    let again = await open(viewer.port, `/api/events?token=${t}&id=live.jsonl&from=0`);
    for (let i = 0; i < 100 && again.res.statusCode === 503; i++) {
      await new Promise((r) => setTimeout(r, 50));
      again = await open(viewer.port, `/api/events?token=${t}&id=live.jsonl&from=0`);
    }
    expect(again.res.statusCode).toBe(200);
    streams.push(again);
    await viewer.close();
    await Promise.all(streams.map((s) => s.ended));
  }, 60_000);
});
