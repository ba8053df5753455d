import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { CancelledError } from "@trace-ts/core";
import {
  DiskCacheStore,
  hashNormalized,
  MemoryCacheStore,
  normalizeRequest,
  requestCacheKey,
  responseCache,
  wrapModel,
} from "@trace-ts/core/llm";
import { ScriptedModel } from "@trace-ts/core/testing";
import { req } from "./request.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "trace-llm-cache-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("request cache key", () => {
  it("covers model, messages and every sampling setting, but not signal or cache", () => {
    const m = { provider: "p", modelId: "m1" };
    const k = requestCacheKey(m, req("q"));
    expect(k).toMatch(/^[0-9a-f]{64}$/);
    expect(requestCacheKey(m, req("q", { signal: new AbortController().signal, cache: true }))).toBe(k);
    const differing: Array<[string, string]> = [
      ["model", requestCacheKey({ provider: "p", modelId: "m2" }, req("q"))],
      ["provider", requestCacheKey({ provider: "q", modelId: "m1" }, req("q"))],
      ["content", requestCacheKey(m, req("q2"))],
      ["temperature", requestCacheKey(m, req("q", { temperature: 0.5 }))],
      ["maxTokens", requestCacheKey(m, req("q", { maxTokens: 5 }))],
      ["seed", requestCacheKey(m, req("q", { seed: 1 }))],
      ["json", requestCacheKey(m, req("q", { responseFormat: { type: "json" } }))],
      [
        "role",
        requestCacheKey(m, {
          messages: [
            { role: "assistant", content: "be brief" },
            { role: "user", content: "q" },
          ],
        }),
      ],
    ];
    for (const [what, key] of differing) expect([what, key]).not.toEqual([what, k]);
  });

  it("is independent of schema key order and treats text format as none", () => {
    const m = { provider: "p", modelId: "m" };
    const a = req("q", {
      responseFormat: {
        type: "json_schema",
        name: "s",
        schema: { type: "object", properties: { a: {}, b: {} } },
      },
    });
    const b = req("q", {
      responseFormat: {
        type: "json_schema",
        name: "s",
        schema: { properties: { b: {}, a: {} }, type: "object" },
      },
    });
    expect(requestCacheKey(m, a)).toBe(requestCacheKey(m, b));
    expect(requestCacheKey(m, req("q", { responseFormat: { type: "text" } }))).toBe(
      requestCacheKey(m, req("q")),
    );
    expect(normalizeRequest(m, req("q")).messages).toEqual([
      ["system", "be brief"],
      ["user", "q"],
    ]);
    const withSchema = req("q", { maxTokens: 3, seed: 2, temperature: 0, responseFormat: a.responseFormat! });
    expect(hashNormalized(normalizeRequest(m, withSchema))).toBe(requestCacheKey(m, withSchema));
  });
});

describe("responseCache middleware", () => {
  it("answers a repeated request from memory, marked cached, without calling the model", async () => {
    const base = new ScriptedModel((r) => `answer to ${r.messages.at(-1)!.content}`);
    const model = wrapModel(base, responseCache());
    const first = await model.generate(req("q"));
    const second = await model.generate(req("q"));
    expect(first.cached).toBeUndefined();
    expect(second).toMatchObject({ text: "answer to q", cached: true });
    expect(second.raw).toBeUndefined();
    expect(base.callCount).toBe(1);
    await model.generate(req("other"));
    expect(base.callCount).toBe(2);
  });

  it("bypasses the cache entirely with cache: false", async () => {
    const base = new ScriptedModel((_r, i) => `v${i}`);
    const model = wrapModel(base, responseCache());
    await model.generate(req("q"));
    const fresh = await model.generate(req("q", { cache: false }));
    expect(fresh.text).toBe("v1");
    expect(fresh.cached).toBeUndefined();
    expect(base.callCount).toBe(2);
    // and did not overwrite the stored entry
    expect((await model.generate(req("q"))).text).toBe("v0");
  });

  it("evicts the least recently used entries", async () => {
    const base = new ScriptedModel((r) => r.messages.at(-1)!.content);
    const model = wrapModel(base, responseCache({ memory: { maxEntries: 2 } }));
    await model.generate(req("a"));
    await model.generate(req("b"));
    await model.generate(req("a")); // a is now most recent
    await model.generate(req("c")); // evicts b
    expect(base.callCount).toBe(3);
    await model.generate(req("a"));
    expect(base.callCount).toBe(3);
    await model.generate(req("b"));
    expect(base.callCount).toBe(4);
  });

  it("shares an on-disk cache between two model instances", async () => {
    const one = new ScriptedModel(["from disk"], { modelId: "m" });
    const two = new ScriptedModel([], { modelId: "m" });
    await wrapModel(one, responseCache({ directory: dir })).generate(req("q"));
    const hit = await wrapModel(two, responseCache({ directory: dir })).generate(req("q"));
    expect(hit).toMatchObject({ text: "from disk", cached: true });
    expect(two.callCount).toBe(0);
    // the entry is inspectable JSON holding the normalized request
    const [sub] = await readdir(dir);
    const [file] = await readdir(join(dir, sub!));
    const entry = JSON.parse(await readFile(join(dir, sub!, file!), "utf8"));
    expect(entry.request).toMatchObject({
      modelId: "m",
      messages: [
        ["system", "be brief"],
        ["user", "q"],
      ],
    });
    expect(entry.result.text).toBe("from disk");
  });

  it("does not share entries between different model ids", async () => {
    await wrapModel(
      new ScriptedModel(["m1 answer"], { modelId: "m1" }),
      responseCache({ directory: dir }),
    ).generate(req("q"));
    const other = new ScriptedModel(["m2 answer"], { modelId: "m2" });
    expect((await wrapModel(other, responseCache({ directory: dir })).generate(req("q"))).text).toBe(
      "m2 answer",
    );
  });

  it("survives concurrent writers of the same key and ignores corrupt files", async () => {
    const store = new DiskCacheStore({ directory: dir });
    const norm = normalizeRequest({ provider: "p", modelId: "m" }, req("q"));
    const key = requestCacheKey({ provider: "p", modelId: "m" }, req("q"));
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.set(
          key,
          {
            text: `writer ${i}`,
            usage: { inputTokens: 1, outputTokens: 1 },
            finishReason: "stop",
            model: "m",
          },
          norm,
        ),
      ),
    );
    const got = await store.get(key);
    expect(got?.text).toMatch(/^writer \d+$/);
    const files = await readdir(join(dir, key.slice(0, 2)));
    expect(files).toEqual([`${key}.json`]); // no temp files left behind
    await writeFile(store.pathOf(key), "{ not json");
    expect(await store.get(key)).toBeUndefined();
  });

  it("honours a time to live", async () => {
    const base = new ScriptedModel((_r, i) => `v${i}`);
    const model = wrapModel(base, responseCache({ ttlMs: 250 }));
    await model.generate(req("q"));
    expect((await model.generate(req("q"))).cached).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect((await model.generate(req("q"))).text).toBe("v1");
  });

  it("shares one in-flight call between concurrent identical requests", async () => {
    const base = new ScriptedModel((_r, i) => `v${i}`, { latencyMs: 20 });
    const model = wrapModel(base, responseCache());
    const results = await Promise.all([
      model.generate(req("q")),
      model.generate(req("q")),
      model.generate(req("q")),
    ]);
    expect(base.callCount).toBe(1);
    expect(results.map((r) => r.text)).toEqual(["v0", "v0", "v0"]);
    expect(results.filter((r) => r.cached).length).toBe(2);
  });

  it("a waiter whose leader is cancelled makes its own call", async () => {
    const base = new ScriptedModel((_r, i) => `v${i}`, { latencyMs: 30 });
    const model = wrapModel(base, responseCache());
    const controller = new AbortController();
    const leader = model.generate(req("q", { signal: controller.signal }));
    const follower = model.generate(req("q"));
    setTimeout(() => controller.abort(), 5);
    await expect(leader).rejects.toBeInstanceOf(CancelledError);
    expect((await follower).text).toBe("v1");
  });

  it("does not store failures", async () => {
    const base = new ScriptedModel([new Error("boom"), "ok"]);
    const model = wrapModel(base, responseCache());
    await expect(model.generate(req("q"))).rejects.toThrow("boom");
    expect((await model.generate(req("q"))).text).toBe("ok");
  });

  it("MemoryCacheStore validates its options", () => {
    expect(() => new MemoryCacheStore({ maxEntries: 0 })).toThrow(RangeError);
    expect(() => responseCache({ memory: false })).toThrow(/every tier is disabled/);
  });
});
