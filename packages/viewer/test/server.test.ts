import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { InvalidOptionError } from "@trace-ts/core";
import { ViewerAssetsMissingError, ViewerRemoteHostError } from "../src/errors.js";
import type { CassetteResponse, RunResponse, RunsResponse } from "../src/protocol.js";
import { type RunningViewer, startViewer } from "../src/server/viewer.js";
import { send } from "./support-server/http.js";
import {
  cassetteText,
  completeRun,
  jsonl,
  put,
  removeDir,
  stubAssets,
  tempDir,
} from "./support-server/logs.js";

const SECRET = "TOP-SECRET-CONTENT-42";
let dir: string;
let outside: string;
let viewer: RunningViewer;
let t: string;

beforeAll(async () => {
  dir = tempDir();
  outside = tempDir();
  const assetsDir = stubAssets(outside, `window.stub = "${SECRET}-js";\n`);
  const root = join(dir, "root");
  put(root, "one.jsonl", jsonl(completeRun(2)));
  put(root, "one.cassette.jsonl", cassetteText(["hi"]));
  put(root, "sub/two.jsonl", jsonl(completeRun(1)));
  put(dir, "package.json", `{"secret": "${SECRET}"}`);
  const secretLog = put(outside, "secret.jsonl", jsonl(completeRun(1, { runId: SECRET })));
  symlinkSync(secretLog, join(root, "escape.jsonl"));
  viewer = await startViewer({ paths: [root], assetsDir });
  t = encodeURIComponent(viewer.token);
}, 60_000);

afterAll(async () => {
  await viewer?.close();
  removeDir(dir);
  removeDir(outside);
});

describe("viewer server", () => {
  it("listens on loopback with a random token and prints a usable URL", () => {
    expect(viewer.host).toBe("127.0.0.1");
    expect(viewer.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(viewer.url).toBe(`http://127.0.0.1:${viewer.port}/?token=${viewer.token}`);
  });

  it("serves the page shell with the security headers", async () => {
    const answer = await send(viewer.port, `/?token=${t}`);
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toMatch(/^text\/html/);
    expect(answer.headers["content-security-policy"]).toBe(
      "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; " +
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(answer.headers["x-content-type-options"]).toBe("nosniff");
    expect(answer.headers["referrer-policy"]).toBe("no-referrer");
    expect(answer.headers["cache-control"]).toBe("no-store");
    expect(answer.headers["x-frame-options"]).toBe("DENY");
    expect(answer.headers["cross-origin-resource-policy"]).toBe("same-origin");
    expect(answer.body).toMatch(/^<!doctype html>/);
    expect(answer.body).toContain('<meta charset="utf-8">');
    expect(answer.body).toContain(`<link rel="stylesheet" href="/assets/app.css?token=${t}">`);
    expect(answer.body).toContain(`<script src="/assets/app.js?token=${t}" defer></script>`);
    expect(answer.body).toMatch(/<div id="app"><noscript>[^<]+<\/noscript><\/div>/);
  });

  it("serves the two assets", async () => {
    const js = await send(viewer.port, `/assets/app.js?token=${t}`);
    expect(js.status).toBe(200);
    expect(js.headers["content-type"]).toMatch(/^text\/javascript/);
    const css = await send(viewer.port, `/assets/app.css?token=${t}`);
    expect(css.headers["content-type"]).toMatch(/^text\/css/);
    expect(css.body).toContain("margin");
  });

  it("refuses requests without the token, with a wrong one, or from elsewhere", async () => {
    const noToken = await send(viewer.port, "/api/runs");
    expect(noToken.status).toBe(403);
    expect(noToken.headers["content-security-policy"]).toBeDefined();
    expect((await send(viewer.port, "/assets/app.js")).status).toBe(403);
    expect((await send(viewer.port, `/api/runs?token=${t}x`)).status).toBe(403);
    expect((await send(viewer.port, "/api/runs?token=")).status).toBe(403);
    const rebinding = await send(viewer.port, `/api/runs?token=${t}`, {
      headers: { host: `evil.example:${viewer.port}` },
    });
    expect(rebinding.status).toBe(403);
    expect(
      (await send(viewer.port, `/api/runs?token=${t}`, { headers: { host: "127.0.0.1:1" } })).status,
    ).toBe(403);
    const origin = await send(viewer.port, `/api/runs?token=${t}`, {
      headers: { origin: "http://evil.example" },
    });
    expect(origin.status).toBe(403);
    const sameOrigin = await send(viewer.port, `/api/runs?token=${t}`, {
      headers: { origin: `http://localhost:${viewer.port}`, host: `localhost:${viewer.port}` },
    });
    expect(sameOrigin.status).toBe(200);
    const post = await send(viewer.port, `/api/runs?token=${t}`, { method: "POST" });
    expect(post.status).toBe(405);
    expect((await send(viewer.port, `/?token=${t}`, { method: "DELETE" })).status).toBe(405);
    const head = await send(viewer.port, `/api/runs?token=${t}`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
  });

  it("answers the runs list, a run and a cassette", async () => {
    const runs = JSON.parse((await send(viewer.port, `/api/runs?token=${t}`)).body) as RunsResponse;
    expect(runs.runs.map((r) => r.id).sort()).toEqual(["one.jsonl", "sub/two.jsonl"]);
    const run = JSON.parse(
      (await send(viewer.port, `/api/run?token=${t}&id=sub%2Ftwo.jsonl`)).body,
    ) as RunResponse;
    expect(run).toEqual(
      expect.objectContaining({ id: "sub/two.jsonl", name: "sub/two", complete: true, cassette: false }),
    );
    expect(run.records[0]?.type).toBe("run");
    const cassette = await send(viewer.port, `/api/cassette?token=${t}&id=one.jsonl`);
    expect((JSON.parse(cassette.body) as CassetteResponse).calls).toHaveLength(1);
    expect((await send(viewer.port, `/api/cassette?token=${t}&id=sub/two.jsonl`)).status).toBe(404);
  });

  it("never serves a file outside the whitelist or the root", async () => {
    const attempts = [
      `/api/run?token=${t}&id=../../etc/passwd`,
      `/api/run?token=${t}&id=..%2F..%2Fetc%2Fpasswd`,
      `/api/run?token=${t}&id=%2e%2e%2fpackage.json`,
      `/api/run?token=${t}&id=${encodeURIComponent(join(outside, "secret.jsonl"))}`,
      `/api/run?token=${t}&id=/etc/passwd`,
      `/api/run?token=${t}&id=escape.jsonl`,
      `/api/cassette?token=${t}&id=escape.jsonl`,
      `/api/events?token=${t}&id=escape.jsonl&from=0`,
      `/api/events?token=${t}&id=../package.json&from=0`,
      `/assets/../package.json?token=${t}`,
      `/assets/%2e%2e/package.json?token=${t}`,
      `/assets/%2e%2e%2fpackage.json?token=${t}`,
      `/assets/..%2F..%2Fpackage.json?token=${t}`,
      `/assets/app.js/../../package.json?token=${t}`,
      `/assets/?token=${t}`,
      `/assets/constructor?token=${t}`,
      `/../package.json?token=${t}`,
      `//etc/passwd?token=${t}`,
    ];
    for (const path of attempts) {
      const answer = await send(viewer.port, path);
      expect([400, 403, 404]).toContain(answer.status);
      expect(answer.body).not.toContain(SECRET);
      expect(answer.body).not.toContain("root:");
    }
  });
});

describe("startViewer options", () => {
  it("refuses a missing page build with a typed error", async () => {
    const empty = tempDir();
    try {
      await expect(startViewer({ paths: [empty], assetsDir: join(empty, "nope") })).rejects.toThrow(
        ViewerAssetsMissingError,
      );
      await expect(startViewer({ paths: [empty], assetsDir: join(empty, "nope") })).rejects.toThrow(
        /npm run build/,
      );
    } finally {
      removeDir(empty);
    }
  });

  it("refuses options of the wrong type or out of range, naming the option", async () => {
    await expect(startViewer({ paths: dir } as never)).rejects.toThrow(/'paths'/);
    await expect(startViewer({ paths: [dir], port: 70_000 })).rejects.toThrow(InvalidOptionError);
    await expect(startViewer({ paths: [dir], port: 1.5 })).rejects.toThrow(/'port'/);
    await expect(startViewer({ paths: [dir], follow: "yes" } as never)).rejects.toThrow(/'follow'/);
  });

  it("refuses a non-loopback host unless allowed", async () => {
    await expect(
      startViewer({ paths: [dir], host: "0.0.0.0", assetsDir: join(outside, "assets") }),
    ).rejects.toThrow(ViewerRemoteHostError);
  });
});
