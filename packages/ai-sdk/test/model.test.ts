import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import type {
  LanguageModelV2,
  LanguageModelV2CallOptions,
  LanguageModelV3CallOptions,
  LanguageModelV3GenerateResult,
} from "@ai-sdk/provider";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { AISDKModel, fromAISDK, UnsupportedAISDKModelError } from "@trace-ts/ai-sdk";
import {
  AuthenticationError,
  BadResponseError,
  CancelledError,
  InvalidRequestError,
  LLMTimeoutError,
  ProviderError,
  RateLimitError,
  withDefaults,
} from "@trace-ts/core";
import { assistantToolCallMessage, toolResultMessage, userMessage } from "@trace-ts/core/llm";
import {
  openAIChatResponse,
  startStubServer,
  stubErrorBody,
  stubServerForTests,
} from "@trace-ts/core/testing";
import { MockLanguageModelV3 } from "ai/test";

const v3Result = (overrides: Partial<LanguageModelV3GenerateResult> = {}): LanguageModelV3GenerateResult => ({
  content: [{ type: "text", text: "hello" }],
  finishReason: { unified: "stop", raw: "stop" },
  usage: {
    inputTokens: { total: 30, noCache: 20, cacheRead: 10, cacheWrite: undefined },
    outputTokens: { total: 5, text: 5, reasoning: undefined },
  },
  warnings: [],
  response: { modelId: "mock-model-2026" },
  ...overrides,
});

const ask = (content = "Say hi") => ({ messages: [{ role: "user" as const, content }] });

/** A hand-written specification-v2 model (ai/test only has v3 mocks), recording its calls. */
function v2Model(result: Awaited<ReturnType<LanguageModelV2["doGenerate"]>>): LanguageModelV2 & {
  calls: LanguageModelV2CallOptions[];
} {
  const calls: LanguageModelV2CallOptions[] = [];
  return {
    specificationVersion: "v2",
    provider: "v2-provider",
    modelId: "v2-model",
    supportedUrls: {},
    calls,
    async doGenerate(options) {
      calls.push(options);
      return result;
    },
    async doStream() {
      throw new Error("not used");
    },
  };
}

describe("fromAISDK with a v3 model (MockLanguageModelV3)", () => {
  it("keeps provider and model id, implements contract v2, and maps text, usage and model", async () => {
    const mock = new MockLanguageModelV3({
      provider: "mock.chat",
      modelId: "mock-model",
      doGenerate: v3Result(),
    });
    const model = fromAISDK(mock);
    expect(model).toBeInstanceOf(AISDKModel);
    expect(model.specificationVersion).toBe("v2");
    expect(model.aiSDKSpecificationVersion).toBe("v3");
    expect([model.provider, model.modelId]).toEqual(["mock.chat", "mock-model"]);
    const r = await model.generate(ask());
    expect(r).toMatchObject({
      text: "hello",
      finishReason: "stop",
      model: "mock-model-2026",
      usage: { inputTokens: 20, outputTokens: 5, cacheReadTokens: 10 },
    });
    expect(r.toolCalls).toBeUndefined();
  });

  it("sends system, user images, assistant tool calls and tool results as the AI SDK prompt", async () => {
    const mock = new MockLanguageModelV3({ doGenerate: v3Result() });
    const call = { id: "call_1", name: "lookup", arguments: '{"city":"Oslo"}' };
    await fromAISDK(mock).generate({
      messages: [
        { role: "system", content: "Be brief." },
        userMessage(
          "What is this?",
          { type: "image", url: "https://example.test/cat.png" },
          { type: "image", url: "data:image/png;base64,iVBORw0KGgo=" },
        ),
        assistantToolCallMessage("", [call, { id: "call_2", name: "lookup", arguments: "not json" }]),
        toolResultMessage(call, "cold"),
        toolResultMessage({ id: "call_2", name: "lookup" }, "warm"),
        { role: "assistant", content: "It is cold." },
      ],
    });
    const sent = mock.doGenerateCalls[0]!;
    expect(sent.prompt).toEqual([
      { role: "system", content: "Be brief." },
      {
        role: "user",
        content: [
          { type: "text", text: "What is this?" },
          { type: "file", mediaType: "image/*", data: new URL("https://example.test/cat.png") },
          { type: "file", mediaType: "image/png", data: "iVBORw0KGgo=" },
        ],
      },
      {
        role: "assistant",
        content: [
          { type: "tool-call", toolCallId: "call_1", toolName: "lookup", input: { city: "Oslo" } },
          { type: "tool-call", toolCallId: "call_2", toolName: "lookup", input: "not json" },
        ],
      },
      {
        role: "tool",
        content: [
          {
            type: "tool-result",
            toolCallId: "call_1",
            toolName: "lookup",
            output: { type: "text", value: "cold" },
          },
          {
            type: "tool-result",
            toolCallId: "call_2",
            toolName: "lookup",
            output: { type: "text", value: "warm" },
          },
        ],
      },
      { role: "assistant", content: [{ type: "text", text: "It is cold." }] },
    ]);
    expect(sent.abortSignal).toBeInstanceOf(AbortSignal);
  });

  it("maps tools, tool choice, JSON schema format, max tokens, temperature, seed, headers and provider options", async () => {
    const mock = new MockLanguageModelV3({ doGenerate: v3Result() });
    const parameters = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };
    const schema = { type: "object", properties: { answer: { type: "string" } } };
    await fromAISDK(mock, { headers: { "x-team": "a" }, providerOptions: { mock: { level: 2 } } }).generate({
      ...ask(),
      tools: [{ name: "lookup", description: "Weather of a city", parameters }],
      toolChoice: { tool: "lookup" },
      responseFormat: { type: "json_schema", name: "reply", schema, strict: true },
      maxTokens: 50,
      temperature: 0.3,
      seed: 7,
    });
    await fromAISDK(mock).generate({ ...ask(), responseFormat: { type: "json" }, toolChoice: "required" });
    const [first, second] = mock.doGenerateCalls as [LanguageModelV3CallOptions, LanguageModelV3CallOptions];
    expect(first).toMatchObject({
      tools: [
        { type: "function", name: "lookup", description: "Weather of a city", inputSchema: parameters },
      ],
      toolChoice: { type: "tool", toolName: "lookup" },
      responseFormat: { type: "json", name: "reply", schema },
      maxOutputTokens: 50,
      temperature: 0.3,
      seed: 7,
      headers: { "x-team": "a" },
      providerOptions: { mock: { level: 2 } },
    });
    expect(second).toMatchObject({ responseFormat: { type: "json" }, toolChoice: { type: "required" } });
    expect(second).not.toHaveProperty("tools");
    expect(second).not.toHaveProperty("maxOutputTokens");
  });

  it("returns tool calls as { id, name, arguments } JSON text, leaving provider-executed calls out", async () => {
    const mock = new MockLanguageModelV3({
      doGenerate: v3Result({
        content: [
          { type: "text", text: "Let me look." },
          { type: "tool-call", toolCallId: "c1", toolName: "lookup", input: '{"city":"Oslo"}' },
          {
            type: "tool-call",
            toolCallId: "c2",
            toolName: "web_search",
            input: "{}",
            providerExecuted: true,
          },
        ],
        finishReason: { unified: "tool-calls", raw: "tool_calls" },
      }),
    });
    const r = await fromAISDK(mock).generate(ask());
    expect(r.text).toBe("Let me look.");
    expect(r.finishReason).toBe("tool_calls");
    expect(r.toolCalls).toEqual([{ id: "c1", name: "lookup", arguments: '{"city":"Oslo"}' }]);
  });

  it("maps finish reasons and estimates usage the provider did not report", async () => {
    const reasons = [
      ["length", "length"],
      ["content-filter", "content_filter"],
      ["error", "other"],
      ["other", "other"],
    ] as const;
    for (const [unified, ours] of reasons) {
      const mock = new MockLanguageModelV3({
        doGenerate: v3Result({
          finishReason: { unified, raw: undefined },
          usage: {
            inputTokens: {
              total: undefined,
              noCache: undefined,
              cacheRead: undefined,
              cacheWrite: undefined,
            },
            outputTokens: { total: undefined, text: undefined, reasoning: undefined },
          },
          response: {},
        }),
      });
      const r = await fromAISDK(mock).generate(ask("a question of some length"));
      expect(r.finishReason).toBe(ours);
      expect(r.model).toBe(mock.modelId);
      expect(r.usage.inputTokens).toBeGreaterThan(0);
      expect(r.usage.outputTokens).toBeGreaterThan(0);
      expect(r.usage.cacheReadTokens).toBeUndefined();
    }
  });

  it("reports the call's warnings to onWarnings", async () => {
    const mock = new MockLanguageModelV3({
      doGenerate: v3Result({ warnings: [{ type: "unsupported", feature: "seed" }] }),
    });
    const seen: unknown[] = [];
    await fromAISDK(mock, { onWarnings: (w) => seen.push(...w) }).generate({ ...ask(), seed: 1 });
    expect(seen).toEqual([{ type: "unsupported", feature: "seed" }]);
  });

  it("refuses requests it cannot send with InvalidRequestError before calling the model", async () => {
    const mock = new MockLanguageModelV3({ doGenerate: v3Result() });
    const model = fromAISDK(mock);
    await expect(model.generate({ messages: [] })).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(model.generate({ messages: [{ role: "tool", content: "orphan" }] })).rejects.toThrow(
      /toolCallId/,
    );
    await expect(
      model.generate({ messages: [userMessage({ type: "image", url: "data:image/png,notbase64" })] }),
    ).rejects.toThrow(/base64/);
    expect(mock.doGenerateCalls).toHaveLength(0);
  });

  it("turns an abort of the request's signal into CancelledError, and its own time limit into LLMTimeoutError", async () => {
    const waitForAbort = (options: LanguageModelV3CallOptions) =>
      new Promise<LanguageModelV3GenerateResult>((_, reject) => {
        options.abortSignal?.addEventListener("abort", () =>
          reject(new DOMException("This operation was aborted", "AbortError")),
        );
      });
    const mock = new MockLanguageModelV3({ doGenerate: waitForAbort });
    const controller = new AbortController();
    const pending = fromAISDK(mock).generate({ ...ask(), signal: controller.signal });
    controller.abort(new Error("user pressed stop"));
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
    await expect(fromAISDK(mock, { timeoutMs: 20 }).generate(ask())).rejects.toBeInstanceOf(LLMTimeoutError);
  });

  it("maps the AI SDK's non-HTTP errors: bad content to BadResponseError, others to ProviderError with the cause", async () => {
    const empty = new MockLanguageModelV3({
      doGenerate: async () => ({ nothing: true }) as unknown as LanguageModelV3GenerateResult,
    });
    await expect(fromAISDK(empty).generate(ask())).rejects.toBeInstanceOf(BadResponseError);
    const boom = new Error("boom");
    const failing = new MockLanguageModelV3({
      doGenerate: async () => {
        throw boom;
      },
    });
    const error = await fromAISDK(failing)
      .generate(ask())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).retryable).toBe(false);
    expect((error as ProviderError).message).toMatch(/boom/);
  });
});

describe("fromAISDK with a v2 model", () => {
  it("maps v2 usage (cached tokens included in inputTokens), finish reason strings and tool calls", async () => {
    const model = v2Model({
      content: [
        { type: "text", text: "ok" },
        { type: "tool-call", toolCallId: "t1", toolName: "add", input: '{"a":1}' },
      ],
      finishReason: "tool-calls",
      usage: { inputTokens: 40, outputTokens: 6, totalTokens: 46, cachedInputTokens: 15 },
      warnings: [],
    });
    const adapted = fromAISDK(model);
    expect(adapted.aiSDKSpecificationVersion).toBe("v2");
    const r = await adapted.generate({
      ...ask(),
      tools: [{ name: "add", description: "adds", parameters: { type: "object" } }],
      toolChoice: "auto",
    });
    expect(r).toEqual({
      text: "ok",
      toolCalls: [{ id: "t1", name: "add", arguments: '{"a":1}' }],
      finishReason: "tool_calls",
      model: "v2-model",
      usage: { inputTokens: 25, outputTokens: 6, cacheReadTokens: 15 },
    });
    expect(model.calls[0]).toMatchObject({
      prompt: [{ role: "user", content: [{ type: "text", text: "Say hi" }] }],
      tools: [{ type: "function", name: "add", description: "adds", inputSchema: { type: "object" } }],
      toolChoice: { type: "auto" },
    });
  });
});

describe("fromAISDK refuses what it cannot adapt", () => {
  it("names the supported versions for another specification version, and refuses ids and non-models", () => {
    const v4 = { specificationVersion: "v4", provider: "p", modelId: "m", doGenerate: async () => ({}) };
    const error = (() => {
      try {
        fromAISDK(v4);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UnsupportedAISDKModelError);
    expect(error).toMatchObject({ code: "AI_SDK_UNSUPPORTED_MODEL", specificationVersion: "v4" });
    expect((error as Error).message).toMatch(/specification v4.*supports v2 and v3/);
    expect(() => fromAISDK("openai/gpt-4o" as never)).toThrow(UnsupportedAISDKModelError);
    expect(() => fromAISDK({} as never)).toThrow(/specificationVersion, provider, modelId and doGenerate/);
    expect(() => fromAISDK(new MockLanguageModelV3(), { timeoutMs: 0 })).toThrow(RangeError);
  });
});

describe("fromAISDK over HTTP (createOpenAICompatible against a stub server)", () => {
  const KEY = "sk-test-not-real-aisdk-0123456789";
  const stub = stubServerForTests({ beforeAll, afterAll, beforeEach }, () => ({
    json: openAIChatResponse("hello"),
  }));
  const compatible = () =>
    createOpenAICompatible({ name: "local", baseURL: `${stub.url}/v1`, apiKey: KEY }).chatModel("llama-test");

  it("sends the chat-completions body the provider builds from our request and maps the answer", async () => {
    stub.setHandler(() => ({
      json: openAIChatResponse("Sunny.", {
        model: "llama-test-q4",
        inputTokens: 50,
        outputTokens: 3,
        cacheReadTokens: 20,
      }),
    }));
    const model = fromAISDK(compatible());
    expect(model.provider).toBe("local.chat");
    const r = await model.generate({
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Weather?" },
        assistantToolCallMessage("", [{ id: "c1", name: "weather", arguments: '{"city":"Oslo"}' }]),
        toolResultMessage({ id: "c1", name: "weather" }, "sunny"),
      ],
      tools: [{ name: "weather", description: "Weather of a city", parameters: { type: "object" } }],
      maxTokens: 20,
      temperature: 0,
      seed: 3,
    });
    expect(r).toMatchObject({
      text: "Sunny.",
      model: "llama-test-q4",
      finishReason: "stop",
      usage: { inputTokens: 30, outputTokens: 3, cacheReadTokens: 20 },
    });
    const sent = stub.requests[0]!;
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent.body).toMatchObject({
      model: "llama-test",
      max_tokens: 20,
      temperature: 0,
      seed: 3,
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Weather?" },
        {
          role: "assistant",
          tool_calls: [
            { id: "c1", type: "function", function: { name: "weather", arguments: '{"city":"Oslo"}' } },
          ],
        },
        { role: "tool", tool_call_id: "c1", content: "sunny" },
      ],
      tools: [
        {
          type: "function",
          function: { name: "weather", description: "Weather of a city", parameters: { type: "object" } },
        },
      ],
    });
  });

  it("returns the tool calls of the response", async () => {
    stub.setHandler(() => {
      const body = openAIChatResponse("", { finishReason: "tool_calls" }) as {
        choices: { message: Record<string, unknown> }[];
      };
      body.choices[0]!.message.content = null;
      body.choices[0]!.message.tool_calls = [
        { id: "call_9", type: "function", function: { name: "weather", arguments: '{"city":"Rome"}' } },
      ];
      return { json: body };
    });
    const r = await fromAISDK(compatible()).generate({
      ...ask("Weather in Rome?"),
      tools: [{ name: "weather", description: "w", parameters: { type: "object" } }],
    });
    expect(r.finishReason).toBe("tool_calls");
    expect(r.toolCalls).toEqual([{ id: "call_9", name: "weather", arguments: '{"city":"Rome"}' }]);
  });

  it("maps 429 with retry-after to RateLimitError, retried by withDefaults", async () => {
    stub.setHandler((_, i) =>
      i === 0
        ? { status: 429, headers: { "retry-after": "0.01" }, json: stubErrorBody("slow down", "rate_limit") }
        : { json: openAIChatResponse("after wait") },
    );
    const error = await fromAISDK(compatible())
      .generate(ask())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(10);
    expect((error as RateLimitError).message).toMatch(/local\.chat:llama-test: rate limited \(HTTP 429\)/);
    stub.clear();
    const model = withDefaults(fromAISDK(compatible()), {
      retry: { initialDelayMs: 1, maxDelayMs: 5, jitter: false },
    });
    stub.setHandler((_, i) =>
      i === 0
        ? { status: 429, headers: { "retry-after-ms": "5" }, json: stubErrorBody("slow down") }
        : { json: openAIChatResponse("after wait") },
    );
    expect((await model.generate(ask())).text).toBe("after wait");
    expect(stub.requestCount).toBe(2);
  });

  it("maps 401 to AuthenticationError without the key, 400 to InvalidRequestError, 500 to ProviderError", async () => {
    stub.setHandler(() => ({ status: 401, json: stubErrorBody(`bad key ${KEY}`, "invalid_api_key") }));
    const auth = await fromAISDK(compatible(), { secrets: [KEY] })
      .generate(ask())
      .catch((e: unknown) => e);
    expect(auth).toBeInstanceOf(AuthenticationError);
    expect((auth as AuthenticationError).status).toBe(401);
    expect((auth as Error).message).not.toContain(KEY);

    stub.setHandler(() => ({ status: 400, json: stubErrorBody("bad parameter", "invalid_request_error") }));
    const invalid = await fromAISDK(compatible())
      .generate(ask())
      .catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(InvalidRequestError);
    expect((invalid as InvalidRequestError).status).toBe(400);

    stub.setHandler(() => ({ status: 500, json: stubErrorBody("overloaded") }));
    const server = await fromAISDK(compatible())
      .generate(ask())
      .catch((e: unknown) => e);
    expect(server).toBeInstanceOf(ProviderError);
    expect(server).toMatchObject({ status: 500, retryable: true });
    expect(stub.requestCount).toBe(3);
  });

  it("maps an aborted HTTP call to CancelledError and a refused connection to a retryable ProviderError", async () => {
    stub.setHandler(() => ({ hang: true }));
    const controller = new AbortController();
    const pending = fromAISDK(compatible()).generate({ ...ask(), signal: controller.signal });
    while (stub.requestCount === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(CancelledError);

    const closed = await startStubServer(() => ({ json: {} }));
    const url = closed.url;
    await closed.close();
    const nowhere = createOpenAICompatible({ name: "gone", baseURL: `${url}/v1`, apiKey: KEY }).chatModel(
      "m",
    );
    const error = await fromAISDK(nowhere)
      .generate(ask())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: undefined, retryable: true });
    expect((error as Error).message).toMatch(/connection to .* failed or was dropped \(ECONNREFUSED\)/);
  });
});
