import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import {
  AuthenticationError,
  BadResponseError,
  CancelledError,
  InvalidRequestError,
  LLMTimeoutError,
  MissingApiKeyError,
  ProviderError,
  RateLimitError,
  withDefaults,
} from "@trace-ts/core";
import type { LLMLogEvent } from "@trace-ts/core/llm";
import { openAIChatResponse, stubErrorBody, stubServerForTests } from "@trace-ts/core/testing";
import { modelProviders, OpenAIChatModel, openai, openaiCompatible } from "@trace-ts/openai";

const KEY = "sk-test-not-real-openai-0123456789";
const stub = stubServerForTests({ beforeAll, afterAll, beforeEach }, () => ({
  json: openAIChatResponse("hello"),
}));

const model = (options: ConstructorParameters<typeof OpenAIChatModel>[1] = {}) =>
  new OpenAIChatModel("gpt-4o-mini", {
    apiKey: KEY,
    baseURL: `${stub.url}/v1`,
    provider: "openai",
    ...options,
  });
const ask = (content = "Say hi") => ({ messages: [{ role: "user" as const, content }] });
const fastRetry = { initialDelayMs: 1, maxDelayMs: 5, jitter: false } as const;

describe("OpenAIChatModel request bodies", () => {
  it("sends model, messages, max tokens, temperature and seed as the API expects", async () => {
    const r = await model().generate({
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Say hi" },
        { role: "assistant", content: "Hi" },
        { role: "user", content: "Again" },
      ],
      maxTokens: 20,
      temperature: 0.2,
      seed: 7,
    });
    expect(r.text).toBe("hello");
    expect(stub.requests).toHaveLength(1);
    const sent = stub.requests[0]!;
    expect(sent.method).toBe("POST");
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent.headers["x-stainless-retry-count"]).toBe("0");
    expect(sent.body).toEqual({
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Say hi" },
        { role: "assistant", content: "Hi" },
        { role: "user", content: "Again" },
      ],
      max_completion_tokens: 20,
      temperature: 0.2,
      seed: 7,
    });
  });

  it("uses max_tokens for OpenAI-compatible servers", async () => {
    const local = openaiCompatible("llama3.1", `${stub.url}/v1`, { env: {} });
    expect(local.provider).toBe("openai-compatible");
    await local.generate({ ...ask(), maxTokens: 12 });
    expect(stub.requests[0]!.body).toMatchObject({ model: "llama3.1", max_tokens: 12 });
    expect(stub.requests[0]!.body).not.toHaveProperty("max_completion_tokens");
    expect(stub.requests[0]!.headers.authorization).toBe("Bearer not-needed");
  });

  it("requests JSON mode, adding the instruction OpenAI requires when no message mentions JSON", async () => {
    await model().generate({ ...ask("List three colors"), responseFormat: { type: "json" } });
    expect(stub.requests[0]!.body).toMatchObject({
      response_format: { type: "json_object" },
      messages: [
        { role: "user", content: "List three colors" },
        { role: "system", content: expect.stringMatching(/JSON/) },
      ],
    });
    await model().generate({ ...ask("Answer in JSON"), responseFormat: { type: "json" } });
    expect((stub.requests[1]!.body as { messages: unknown[] }).messages).toHaveLength(1);
  });

  it("sends a JSON schema as response_format json_schema", async () => {
    const schema = { type: "object", properties: { answer: { type: "string" } }, required: ["answer"] };
    await model().generate({
      ...ask(),
      responseFormat: { type: "json_schema", name: "reply", schema, strict: true },
    });
    expect(stub.requests[0]!.body).toMatchObject({
      response_format: { type: "json_schema", json_schema: { name: "reply", schema, strict: true } },
    });
  });
});

describe("OpenAIChatModel responses", () => {
  it("returns text, usage (cached prompt tokens separate), finish reason and model", async () => {
    stub.setHandler(() => ({
      json: openAIChatResponse('{"a":1}', {
        model: "gpt-4o-mini-2024-07-18",
        inputTokens: 100,
        outputTokens: 9,
        cacheReadTokens: 60,
        finishReason: "length",
      }),
    }));
    const r = await model().generate(ask());
    expect(r).toMatchObject({
      text: '{"a":1}',
      usage: { inputTokens: 40, outputTokens: 9, cacheReadTokens: 60 },
      finishReason: "length",
      model: "gpt-4o-mini-2024-07-18",
    });
    expect(r.raw).toMatchObject({ id: "chatcmpl-stub" });
  });

  it("estimates usage when a compatible server reports none", async () => {
    const body = openAIChatResponse("four");
    delete body.usage;
    stub.setHandler(() => ({ json: body }));
    const r = await model().generate(ask("What is two plus two?"));
    expect(r.usage.inputTokens).toBeGreaterThan(0);
    expect(r.usage.outputTokens).toBe(1);
  });

  it("maps a refusal to content_filter", async () => {
    const body = openAIChatResponse("");
    (body.choices as Array<{ message: Record<string, unknown> }>)[0]!.message = {
      role: "assistant",
      content: null,
      refusal: "I can't help with that.",
    };
    stub.setHandler(() => ({ json: body }));
    expect(await model().generate(ask())).toMatchObject({
      text: "I can't help with that.",
      finishReason: "content_filter",
    });
  });
});

describe("OpenAIChatModel errors", () => {
  it("retries a 429 after its retry-after and then succeeds (one policy: the SDK does not retry)", async () => {
    stub.setHandler((_r, i) =>
      i === 0
        ? {
            status: 429,
            headers: { "retry-after-ms": "30" },
            json: stubErrorBody("Rate limit reached", "rate_limit_error"),
          }
        : { json: openAIChatResponse("after wait") },
    );
    const t0 = performance.now();
    const r = await withDefaults(model(), { retry: fastRetry }).generate(ask());
    expect(r.text).toBe("after wait");
    expect(stub.requests).toHaveLength(2);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
    // the second request came only after the server's retry-after (30 ms), not the 1 ms backoff
    expect(stub.requests[1]!.receivedAt - stub.requests[0]!.receivedAt).toBeGreaterThanOrEqual(28);
    expect(stub.requests.map((q) => q.headers["x-stainless-retry-count"])).toEqual(["0", "0"]);
  });

  it("maps a 429 to RateLimitError carrying retryAfterMs", async () => {
    stub.setHandler(() => ({
      status: 429,
      headers: { "retry-after": "2" },
      json: stubErrorBody("slow down"),
    }));
    const err = await model()
      .generate(ask())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err).toMatchObject({
      code: "LLM_RATE_LIMIT",
      retryAfterMs: 2000,
      retryable: true,
      provider: "openai",
    });
  });

  it("treats insufficient_quota as a non-retryable error", async () => {
    stub.setHandler(() => ({
      status: 429,
      json: {
        error: {
          message: "You exceeded your current quota",
          type: "insufficient_quota",
          code: "insufficient_quota",
        },
      },
    }));
    const err = await withDefaults(model(), { retry: fastRetry })
      .generate(ask())
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "LLM_PROVIDER", status: 429, retryable: false });
    expect(stub.requests).toHaveLength(1);
  });

  it("ends repeated 500s in a ProviderError after the configured tries", async () => {
    stub.setHandler(() => ({ status: 500, json: stubErrorBody("internal") }));
    const err = await withDefaults(model(), { retry: { ...fastRetry, maxAttempts: 4 } })
      .generate(ask())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ status: 500, code: "LLM_PROVIDER" });
    expect(stub.requests).toHaveLength(4);
  });

  it("maps 401 to AuthenticationError without leaking the key, also in logs", async () => {
    stub.setHandler(() => ({
      status: 401,
      json: stubErrorBody(`Incorrect API key provided: ${KEY}`, "invalid_request_error"),
    }));
    const events: LLMLogEvent[] = [];
    const m = withDefaults(model(), { retry: fastRetry, log: (e) => events.push(e) });
    const err = await m.generate(ask()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as Error).message).toMatch(/OPENAI_API_KEY/);
    expect((err as Error).message).not.toContain(KEY);
    expect(stub.requests).toHaveLength(1);
    expect(events.map((e) => e.type)).toEqual(["request", "error"]);
    expect(JSON.stringify(events)).not.toContain(KEY);
    expect(JSON.stringify(events)).not.toContain("0123456789");
  });

  it("maps 400 to InvalidRequestError", async () => {
    stub.setHandler(() => ({ status: 400, json: stubErrorBody("Unsupported parameter: seed") }));
    await expect(model().generate(ask())).rejects.toBeInstanceOf(InvalidRequestError);
  });

  it("times out with LLMTimeoutError", async () => {
    stub.setHandler(() => ({ hang: true }));
    const t0 = performance.now();
    const err = await model({ timeoutMs: 150 })
      .generate(ask())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LLMTimeoutError);
    expect(err).toMatchObject({ code: "LLM_TIMEOUT", retryable: true });
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  it("maps a malformed JSON body to BadResponseError", async () => {
    stub.setHandler(() => ({ body: '{"id": "chatcmpl-1", "choices": [' }));
    const err = await model()
      .generate(ask())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadResponseError);
    expect(err).toMatchObject({ code: "LLM_BAD_RESPONSE" });
  });

  it("maps a body without choices to BadResponseError", async () => {
    stub.setHandler(() => ({ json: { id: "x", object: "chat.completion" } }));
    await expect(model().generate(ask())).rejects.toThrow(/no choices/);
  });

  it("maps a connection reset to a retryable ProviderError", async () => {
    stub.setHandler(() => ({ reset: true }));
    const err = await model()
      .generate(ask())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ status: undefined, retryable: true });
    expect((err as Error).message).toMatch(/connection/);
    // and the retry middleware recovers from it
    stub.clear();
    stub.setHandler((_r, i) => (i === 0 ? { reset: true } : { json: openAIChatResponse("recovered") }));
    expect((await withDefaults(model(), { retry: fastRetry }).generate(ask())).text).toBe("recovered");
  });

  it("cancels via AbortSignal with CancelledError", async () => {
    const controller = new AbortController();
    // abort once the server has the request in hand, and never answer it
    stub.setHandler(() => {
      setTimeout(() => controller.abort(), 5);
      return { hang: true };
    });
    const t0 = performance.now();
    const p = withDefaults(model(), { retry: fastRetry }).generate({ ...ask(), signal: controller.signal });
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect(stub.requests).toHaveLength(1); // not retried
    expect(performance.now() - t0).toBeLessThan(5_000); // long before the 120 s timeout
  });

  it("requires OPENAI_API_KEY for api.openai.com, naming the variable", () => {
    expect(() => new OpenAIChatModel("gpt-4o-mini", { env: {} })).toThrow(MissingApiKeyError);
    expect(() => openai("gpt-4o-mini", { env: {} })).toThrow(/OPENAI_API_KEY/);
    expect(() => new OpenAIChatModel("gpt-4o-mini", { env: { OPENAI_API_KEY: KEY } })).not.toThrow();
  });
});

describe("OpenAIChatModel with middleware", () => {
  it("a cache hit makes no HTTP request", async () => {
    const m = withDefaults(model(), { cache: true });
    const a = await m.generate(ask("cache me"));
    const b = await m.generate(ask("cache me"));
    expect(stub.requests).toHaveLength(1);
    expect(a.cached).toBeUndefined();
    expect(b).toMatchObject({ text: "hello", cached: true });
  });

  it("two model instances share an on-disk cache", async () => {
    const dir = await mkdtemp(join(tmpdir(), "trace-openai-cache-"));
    try {
      const first = withDefaults(model(), { cache: { directory: dir } });
      const second = withDefaults(model(), { cache: { directory: dir } });
      expect((await first.generate(ask("shared"))).cached).toBeUndefined();
      const hit = await second.generate(ask("shared"));
      expect(hit).toMatchObject({ text: "hello", cached: true });
      expect(stub.requests).toHaveLength(1);
      // a different request (here: maxTokens) does not hit the entry
      await withDefaults(model({ provider: "openai" }), { cache: { directory: dir } }).generate({
        ...ask("shared"),
        maxTokens: 5,
      });
      expect(stub.requests).toHaveLength(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("registers its providers for resolveLanguageModel", async () => {
    expect(Object.keys(modelProviders).sort()).toEqual(["openai", "openai-compatible"]);
    const m = await modelProviders["openai-compatible"]!("qwen", { env: {}, baseURL: `${stub.url}/v1` });
    expect((await m.generate(ask())).text).toBe("hello");
  });

  it("never exposes the key through the model object", () => {
    const m = model();
    expect(JSON.stringify(m)).not.toContain(KEY);
    expect(String(m)).not.toContain(KEY);
    expect(Object.values(m).join(" ")).not.toContain(KEY);
  });
});
