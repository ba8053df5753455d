import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import {
  AnthropicMessagesModel,
  anthropic,
  closeObjects,
  DEFAULT_MAX_TOKENS,
  modelProviders,
} from "@trace-ts/anthropic";
import {
  AuthenticationError,
  BadResponseError,
  CancelledError,
  InvalidRequestError,
  LLMTimeoutError,
  MissingApiKeyError,
  ProviderError,
  RateLimitError,
  UsageTracker,
  withDefaults,
} from "@trace-ts/core";
import type { LLMLogEvent } from "@trace-ts/core/llm";
import { anthropicMessageResponse, stubErrorBody, stubServerForTests } from "@trace-ts/core/testing";

const KEY = "sk-ant-test-not-real-0123456789";
const stub = stubServerForTests({ beforeAll, afterAll, beforeEach }, () => ({
  json: anthropicMessageResponse("hello"),
}));

const model = (options: ConstructorParameters<typeof AnthropicMessagesModel>[1] = {}) =>
  new AnthropicMessagesModel("claude-sonnet-4-6", { apiKey: KEY, baseURL: stub.url, ...options });
const ask = (content = "Say hi") => ({ messages: [{ role: "user" as const, content }] });
const fastRetry = { initialDelayMs: 1, maxDelayMs: 5, jitter: false } as const;

describe("AnthropicMessagesModel request bodies", () => {
  it("moves system messages to `system`, merges consecutive turns, and sends max_tokens", async () => {
    const r = await model().generate({
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Part one." },
        { role: "user", content: "Part two." },
        { role: "assistant", content: "Noted." },
        { role: "system", content: "Answer in English." },
        { role: "user", content: "Go." },
      ],
      maxTokens: 64,
      temperature: 0.3,
      seed: 1,
    });
    expect(r.text).toBe("hello");
    const sent = stub.requests[0]!;
    expect(sent.path).toBe("/v1/messages");
    expect(sent.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent.headers["anthropic-version"]).toBeDefined();
    expect(sent.headers["x-stainless-retry-count"]).toBe("0");
    expect(sent.body).toEqual({
      model: "claude-sonnet-4-6",
      max_tokens: 64,
      system: "Be brief.\n\nAnswer in English.",
      messages: [
        { role: "user", content: "Part one.\n\nPart two." },
        { role: "assistant", content: "Noted." },
        { role: "user", content: "Go." },
      ],
    });
  });

  it("sends a default max_tokens, which the API requires", async () => {
    await model().generate(ask());
    expect(stub.requests[0]!.body).toMatchObject({ max_tokens: DEFAULT_MAX_TOKENS });
    expect(stub.requests[0]!.body).not.toHaveProperty("system");
    await model({ defaultMaxTokens: 100 }).generate(ask());
    expect(stub.requests[1]!.body).toMatchObject({ max_tokens: 100 });
  });

  it("asks for JSON by instruction and a `{` prefill, and re-attaches the prefill", async () => {
    stub.setHandler(() => ({ json: anthropicMessageResponse('"colors": ["red", "blue"]}') }));
    const r = await model().generate({ ...ask("List colors"), responseFormat: { type: "json" } });
    expect(JSON.parse(r.text)).toEqual({ colors: ["red", "blue"] });
    const body = stub.requests[0]!.body as {
      system: string;
      messages: Array<{ role: string; content: string }>;
    };
    expect(body.system).toMatch(/single valid JSON object/);
    expect(body.messages.at(-1)).toEqual({ role: "assistant", content: "{" });
  });

  it("keeps a full object when the model repeats the prefill", async () => {
    stub.setHandler(() => ({ json: anthropicMessageResponse('{"a": 1}') }));
    const r = await model().generate({ ...ask(), responseFormat: { type: "json" } });
    expect(JSON.parse(r.text)).toEqual({ a: 1 });
  });

  it("falls back to no prefill when the model rejects it, and strips code fences", async () => {
    stub.setHandler((req) => {
      const msgs = (req.body as { messages: Array<{ role: string }> }).messages;
      return msgs.at(-1)!.role === "assistant"
        ? {
            status: 400,
            json: stubErrorBody(
              "This model does not support assistant message prefill.",
              "invalid_request_error",
            ),
          }
        : { json: anthropicMessageResponse('```json\n{"ok": true}\n```') };
    });
    const m = model();
    const r = await m.generate({ ...ask(), responseFormat: { type: "json" } });
    expect(JSON.parse(r.text)).toEqual({ ok: true });
    expect(stub.requests).toHaveLength(2);
    await m.generate({ ...ask(), responseFormat: { type: "json" } }); // remembers: no prefill
    expect(stub.requests).toHaveLength(3);
  });

  it("uses structured outputs (output_config.format) for a JSON schema, closing objects", async () => {
    const schema = {
      type: "object",
      properties: { answer: { type: "object", properties: { n: { type: "integer" } } } },
    };
    stub.setHandler(() => ({ json: anthropicMessageResponse('{"answer": {"n": 4}}') }));
    const r = await model().generate({
      ...ask(),
      responseFormat: { type: "json_schema", name: "reply", schema },
    });
    expect(JSON.parse(r.text)).toEqual({ answer: { n: 4 } });
    expect(stub.requests[0]!.body).toMatchObject({
      output_config: {
        format: {
          type: "json_schema",
          schema: {
            type: "object",
            additionalProperties: false,
            properties: {
              answer: { type: "object", additionalProperties: false, properties: { n: { type: "integer" } } },
            },
          },
        },
      },
    });
    expect(closeObjects(schema)).not.toBe(schema);
    expect(schema).not.toHaveProperty("additionalProperties");
  });

  it("can request a schema by instruction instead", async () => {
    stub.setHandler(() => ({ json: anthropicMessageResponse('"n": 1}') }));
    const schema = { type: "object", properties: { n: { type: "integer" } } };
    const r = await model({ structuredOutputs: false }).generate({
      ...ask(),
      responseFormat: { type: "json_schema", name: "s", schema },
    });
    expect(r.text).toBe('{"n": 1}');
    const body = stub.requests[0]!.body as { system: string };
    expect(body).not.toHaveProperty("output_config");
    expect(body.system).toContain(JSON.stringify(schema));
  });
});

describe("AnthropicMessagesModel responses", () => {
  it("returns text, usage with cache tokens, stop reason and model", async () => {
    stub.setHandler(() => ({
      json: anthropicMessageResponse("done", {
        model: "claude-sonnet-4-6-20260101",
        inputTokens: 20,
        outputTokens: 8,
        cacheReadTokens: 1000,
        cacheWriteTokens: 300,
        finishReason: "max_tokens",
      }),
    }));
    const r = await model().generate(ask());
    expect(r).toMatchObject({
      text: "done",
      usage: { inputTokens: 20, outputTokens: 8, cacheReadTokens: 1000, cacheWriteTokens: 300 },
      finishReason: "length",
      model: "claude-sonnet-4-6-20260101",
    });
  });

  it("joins text blocks and skips others", async () => {
    const body = anthropicMessageResponse("");
    body.content = [
      { type: "thinking", thinking: "hmm", signature: "sig" },
      { type: "text", text: "a" },
      { type: "text", text: "b" },
    ];
    stub.setHandler(() => ({ json: body }));
    expect((await model().generate(ask())).text).toBe("ab");
  });

  it("cost accounting includes cache reads and writes", async () => {
    stub.setHandler(() => ({
      json: anthropicMessageResponse("x", {
        inputTokens: 1_000_000,
        outputTokens: 1_000_000,
        cacheReadTokens: 1_000_000,
        cacheWriteTokens: 1_000_000,
      }),
    }));
    const usage = new UsageTracker({
      prices: {
        "claude-sonnet-4-6": {
          inputPerMillion: 3,
          outputPerMillion: 15,
          cacheReadPerMillion: 0.3,
          cacheWritePerMillion: 3.75,
        },
      },
    });
    await withDefaults(model(), { usage }).generate(ask());
    expect(usage.totals().cost).toBeCloseTo(3 + 15 + 0.3 + 3.75, 9);
    expect(usage.byModel()["anthropic:claude-sonnet-4-6"]).toMatchObject({
      cacheReadTokens: 1_000_000,
      cacheWriteTokens: 1_000_000,
    });
  });
});

describe("AnthropicMessagesModel errors", () => {
  it("retries a 429 after its retry-after, then succeeds", async () => {
    stub.setHandler((_r, i) =>
      i === 0
        ? {
            status: 429,
            headers: { "retry-after": "0.03" },
            json: stubErrorBody("rate limited", "rate_limit_error"),
          }
        : { json: anthropicMessageResponse("later") },
    );
    const t0 = performance.now();
    expect((await withDefaults(model(), { retry: fastRetry }).generate(ask())).text).toBe("later");
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
    // the second request came only after the server's retry-after (30 ms), not the 1 ms backoff
    expect(stub.requests[1]!.receivedAt - stub.requests[0]!.receivedAt).toBeGreaterThanOrEqual(28);
    expect(stub.requests).toHaveLength(2);
  });

  it("maps 429 to RateLimitError with retryAfterMs", async () => {
    stub.setHandler(() => ({
      status: 429,
      headers: { "retry-after-ms": "1500" },
      json: stubErrorBody("slow", "rate_limit_error"),
    }));
    await expect(model().generate(ask())).rejects.toMatchObject({
      code: "LLM_RATE_LIMIT",
      retryAfterMs: 1500,
    });
    await expect(model().generate(ask())).rejects.toBeInstanceOf(RateLimitError);
  });

  it("ends repeated 529 overloaded answers in a ProviderError after the configured tries", async () => {
    stub.setHandler(() => ({ status: 529, json: stubErrorBody("Overloaded", "overloaded_error") }));
    const err = await withDefaults(model(), { retry: { ...fastRetry, maxAttempts: 3 } })
      .generate(ask())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ status: 529, retryable: true });
    expect(stub.requests).toHaveLength(3);
  });

  it("maps 401 to AuthenticationError; the key appears in no log event", async () => {
    stub.setHandler(() => ({
      status: 401,
      json: stubErrorBody(`invalid x-api-key ${KEY}`, "authentication_error"),
    }));
    const events: LLMLogEvent[] = [];
    const err = await withDefaults(model(), { log: (e) => events.push(e) })
      .generate(ask())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as Error).message).toMatch(/ANTHROPIC_API_KEY/);
    expect(JSON.stringify(events)).not.toContain(KEY);
    expect(JSON.stringify(events)).toContain("LLM_AUTHENTICATION");
  });

  it("maps 400 to InvalidRequestError", async () => {
    stub.setHandler(() => ({
      status: 400,
      json: stubErrorBody("max_tokens: too large", "invalid_request_error"),
    }));
    await expect(model().generate(ask())).rejects.toBeInstanceOf(InvalidRequestError);
  });

  it("times out with LLMTimeoutError", async () => {
    stub.setHandler(() => ({ hang: true }));
    await expect(model({ timeoutMs: 120 }).generate(ask())).rejects.toBeInstanceOf(LLMTimeoutError);
  });

  it("maps a malformed body to BadResponseError", async () => {
    stub.setHandler(() => ({ body: '{"type": "message", "content": [' }));
    await expect(model().generate(ask())).rejects.toBeInstanceOf(BadResponseError);
    stub.setHandler(() => ({ json: { type: "message" } }));
    await expect(model().generate(ask())).rejects.toThrow(/not a message/);
  });

  it("maps a connection reset to a retryable ProviderError", async () => {
    stub.setHandler(() => ({ reset: true }));
    await expect(model().generate(ask())).rejects.toMatchObject({
      code: "LLM_PROVIDER",
      status: undefined,
      retryable: true,
    });
  });

  it("cancels via AbortSignal", async () => {
    const controller = new AbortController();
    // abort once the server has the request in hand, and never answer it
    stub.setHandler(() => {
      setTimeout(() => controller.abort(), 5);
      return { hang: true };
    });
    await expect(model().generate({ ...ask(), signal: controller.signal })).rejects.toBeInstanceOf(
      CancelledError,
    );
    expect(stub.requests).toHaveLength(1);
  });

  it("rejects a request with only system messages before sending it", async () => {
    await expect(model().generate({ messages: [{ role: "system", content: "x" }] })).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
    expect(stub.requests).toHaveLength(0);
  });

  it("requires ANTHROPIC_API_KEY, naming it", async () => {
    expect(() => anthropic("claude-sonnet-4-6", { env: {} })).toThrow(MissingApiKeyError);
    expect(() => anthropic("claude-sonnet-4-6", { env: {} })).toThrow(/ANTHROPIC_API_KEY/);
    const m = await modelProviders.anthropic!("claude-haiku-4-5", {
      env: { ANTHROPIC_API_KEY: KEY },
      baseURL: stub.url,
    });
    expect((await m.generate(ask())).text).toBe("hello");
  });

  it("a cache hit makes no HTTP request", async () => {
    const m = withDefaults(model(), { cache: true });
    await m.generate(ask("same"));
    const hit = await m.generate(ask("same"));
    expect(hit.cached).toBe(true);
    expect(stub.requests).toHaveLength(1);
  });
});
