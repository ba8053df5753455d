import { readFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { main, USAGE } from "../src/cli-main.js";
import { completeRun, jsonl, put, removeDir, stubAssets, tempDir } from "./support-server/logs.js";

let dir: string;
let assetsDir: string;
let out: string[];
let err: string[];

beforeEach(() => {
  dir = tempDir();
  assetsDir = stubAssets(dir);
  put(dir, "runs/a.jsonl", jsonl(completeRun(1)));
  out = [];
  err = [];
});
afterEach(() => removeDir(dir));

const io = (extra: { waitForStop?: () => Promise<void> } = {}) => ({
  out: (line: string) => out.push(line),
  err: (line: string) => err.push(line),
  assetsDir,
  ...extra,
});

describe("trace-ts CLI", () => {
  it("prints its version from package.json and its usage", async () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    expect(await main(["--version"], io())).toBe(0);
    expect(out).toEqual([pkg.version]);
    expect(await main(["--help"], io())).toBe(0);
    expect(out[1]).toBe(USAGE);
  });

  it.each([
    [[]],
    [["serve", "x"]],
    [["view"]],
    [["view", "x", "--port", "abc"]],
    [["view", "x", "--port", "70000"]],
    [["view", "x", "--bogus"]],
    [["view", "x", "--port"]],
    [["view", "x", "--force"]],
  ])("exits 2 with the usage for %j", async (argv) => {
    expect(await main(argv, io())).toBe(2);
    expect(err.at(-1)).toBe(USAGE);
    expect(err[0]).toMatch(/^trace-ts/);
  });

  it("says clearly when a path does not exist", async () => {
    expect(await main(["view", join(dir, "missing")], io())).toBe(2);
    expect(err[0]).toMatch(/missing: it does not exist/);
  });

  it("writes an export", async () => {
    const file = join(dir, "r.html");
    expect(await main(["view", join(dir, "runs"), "--export", file], io())).toBe(0);
    const bytes = Buffer.byteLength(readFileSync(file, "utf8"));
    expect(out).toEqual([`wrote ${file} (1 run, ${bytes} bytes)`]);
    expect(await main(["view", join(dir, "runs"), "--export", file], io())).toBe(1);
    expect(err.join("\n")).toMatch(/already exists/);
    expect(await main(["view", join(dir, "runs"), "--export", file, "--force"], io())).toBe(0);
  });

  it("serves until told to stop, printing the URL line first", async () => {
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    let started!: () => void;
    const printed = new Promise<void>((resolve) => {
      started = resolve;
    });
    const running = main(["view", join(dir, "runs"), "--no-follow"], {
      out: (line) => {
        out.push(line);
        if (line === "(Ctrl+C to stop)") started();
      },
      err: (line) => err.push(line),
      assetsDir,
      waitForStop: () => stopped,
    });
    await printed;
    expect(out[0]).toMatch(/^trace-ts viewer: http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+$/);
    const url = new URL(out[0]!.slice("trace-ts viewer: ".length));
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port: Number(url.port),
          path: `/api/events${url.search}&id=a.jsonl&from=0`,
          agent: false,
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(204);
    stop();
    expect(await running).toBe(0);
  }, 60_000);
});
