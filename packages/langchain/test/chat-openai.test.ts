/**
 * `ChatOpenAI` from `@langchain/openai` pointed at a stub server on 127.0.0.1, through the
 * adapter: the request bodies LangChain sends for our messages and tools, the mapped results, and
 * HTTP failures as trace-ts errors.
 */
import { inspect } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { ChatOpenAI } from "@langchain/openai";
import {
  AuthenticationError,
  CancelledError,
  InvalidRequestError,
  ProviderError,
  RateLimitError,
  withDefaults,
} from "@trace-ts/core";
import { assistantToolCallMessage, toolResultMessage, userMessage } from "@trace-ts/core/llm";
import { openAIChatResponse, stubErrorBody, stubServerForTests } from "@trace-ts/core/testing";
import { fromLangChain } from "@trace-ts/langchain";

const KEY = "sk-test-not-real-langchain-0123456789";
const stub = stubServerForTests({ beforeAll, afterAll, beforeEach }, () => ({
  json: openAIChatResponse("hello"),
}));

const chat = (fields: ConstructorParameters<typeof ChatOpenAI>[0] = {}) =>
  new ChatOpenAI({
    model: "gpt-4o-mini",
    apiKey: KEY,
    configuration: { baseURL: `${stub.url}/v1` },
    ...fields,
  });

const toolCallResponse = {
  id: "chatcmpl-tools",
  object: "chat.completion",
  created: 1_700_000_000,
  model: "gpt-4o-mini-2024-07-18",
  choices: [
    {
      index: 0,
      finish_reason: "tool_calls",
      logprobs: null,
      message: {
        role: "assistant",
        content: null,
        refusal: null,
        tool_calls: [
          {
            id: "call_abc",
            type: "function",
            function: { name: "get_weather", arguments: '{"city": "Oslo"}' },
          },
        ],
      },
    },
  ],
  usage: {
    prompt_tokens: 60,
    completion_tokens: 12,
    total_tokens: 72,
    prompt_tokens_details: { cached_tokens: 40 },
  },
};

const weather = {
  name: "get_weather",
  description: "Current weather of a city",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

describe("ChatOpenAI through fromLangChain: requests", () => {
  it("names the provider and model, and sends the messages as chat completions", async () => {
    const model = fromLangChain(chat());
    expect([model.provider, model.modelId]).toEqual(["openai", "gpt-4o-mini"]);
    const r = await model.generate({
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Say hi" },
      ],
    });
    expect(r.text).toBe("hello");
    expect(r.finishReason).toBe("stop");
    expect(r.usage).toEqual({ inputTokens: 11, outputTokens: 7 });
    expect(r.model).toBe("stub-model");
    expect(stub.requests).toHaveLength(1);
    const sent = stub.requests[0]!;
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent.body).toMatchObject({
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Say hi" },
      ],
    });
  });

  it("sends tools, the tool choice, images, the assistant's tool calls and the tool result", async () => {
    stub.setHandler(() => ({ json: toolCallResponse }));
    const model = fromLangChain(chat());
    const call = { id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' };
    const r = await model.generate({
      messages: [
        userMessage("Weather where this was taken?", {
          type: "image",
          url: "https://example.com/eiffel.png",
        }),
        assistantToolCallMessage("", [call]),
        toolResultMessage(call, "18 °C, sunny"),
        { role: "user", content: "And in Oslo?" },
      ],
      tools: [weather],
      toolChoice: { tool: "get_weather" },
    });
    const body = stub.requests[0]!.body as Record<string, unknown>;
    expect(body.tools).toEqual([{ type: "function", function: weather }]);
    expect(body.tool_choice).toEqual({ type: "function", function: { name: "get_weather" } });
    expect(body.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "Weather where this was taken?" },
          { type: "image_url", image_url: { url: "https://example.com/eiffel.png" } },
        ],
      },
      {
        role: "assistant",
        content: "",
        tool_calls: [
          {
            id: "call_1",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris"}' },
          },
        ],
      },
      { role: "tool", content: "18 °C, sunny", tool_call_id: "call_1", name: "get_weather" },
      { role: "user", content: "And in Oslo?" },
    ]);
    // the arguments text exactly as the model wrote it (with its space)
    expect(r.toolCalls).toEqual([{ id: "call_abc", name: "get_weather", arguments: '{"city": "Oslo"}' }]);
    expect(r.finishReason).toBe("tool_calls");
    expect(r.text).toBe("");
    expect(r.usage).toEqual({ inputTokens: 20, outputTokens: 12, cacheReadTokens: 40 });
    expect(r.model).toBe("gpt-4o-mini-2024-07-18");
  });

  it("maps required to tool_choice required, and passes seed and JSON mode", async () => {
    const model = fromLangChain(chat());
    await model.generate({
      messages: [{ role: "user", content: "Answer in JSON." }],
      tools: [weather],
      toolChoice: "required",
      seed: 7,
      responseFormat: { type: "json" },
    });
    const body = stub.requests[0]!.body as Record<string, unknown>;
    expect(body.tool_choice).toBe("required");
    expect(body.seed).toBe(7);
    expect(body.response_format).toEqual({ type: "json_object" });
  });

  it("reports finish reason length", async () => {
    stub.setHandler(() => ({ json: openAIChatResponse("cut", { finishReason: "length" }) }));
    const r = await fromLangChain(chat()).generate({ messages: [{ role: "user", content: "Long story" }] });
    expect(r.finishReason).toBe("length");
  });
});

describe("ChatOpenAI through fromLangChain: failures", () => {
  const ask = { messages: [{ role: "user" as const, content: "hi" }] };

  it("429 → RateLimitError with the retry hint, one request (LangChain's retries are off)", async () => {
    stub.setHandler(() => ({
      status: 429,
      headers: { "retry-after-ms": "250" },
      json: stubErrorBody("Rate limit reached", "rate_limit_error"),
    }));
    const error = await fromLangChain(chat())
      .generate(ask)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(250);
    expect((error as RateLimitError).message).toContain("Rate limit reached");
    expect((error as RateLimitError).message).not.toContain("Troubleshooting URL");
    expect(stub.requestCount).toBe(1);
  });

  it("401 → AuthenticationError whose message never shows the key", async () => {
    stub.setHandler(() => ({
      status: 401,
      json: stubErrorBody(`Incorrect API key provided: ${KEY}`, "invalid_request_error"),
    }));
    const error = await fromLangChain(chat())
      .generate(ask)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).status).toBe(401);
    expect((error as Error).message).not.toContain(KEY);
    expect(inspect(error, { depth: 8 })).not.toContain(KEY);
  });

  it("400 → InvalidRequestError", async () => {
    stub.setHandler(() => ({
      status: 400,
      json: stubErrorBody("Invalid 'messages'", "invalid_request_error"),
    }));
    const error = await fromLangChain(chat())
      .generate(ask)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).status).toBe(400);
  });

  it("500 → retryable ProviderError; with withDefaults the retry middleware retries it", async () => {
    stub.setHandler(() => ({ status: 500, json: stubErrorBody("The server had an error") }));
    const error = await fromLangChain(chat())
      .generate(ask)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).status).toBe(500);
    expect((error as ProviderError).retryable).toBe(true);
    expect(stub.requestCount).toBe(1);

    stub.clear();
    stub.setHandler((_request, index) =>
      index === 0
        ? { status: 500, json: stubErrorBody("The server had an error") }
        : { json: openAIChatResponse("recovered") },
    );
    const model = withDefaults(fromLangChain(chat()), {
      retry: { initialDelayMs: 1, maxDelayMs: 5, jitter: false },
    });
    const r = await model.generate(ask);
    expect(r.text).toBe("recovered");
    expect(stub.requestCount).toBe(2);
  });

  it("abort → CancelledError, and the request is abandoned", async () => {
    stub.setHandler(() => ({ hang: true }));
    const controller = new AbortController();
    const pending = fromLangChain(chat()).generate({ ...ask, signal: controller.signal });
    while (stub.requestCount === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort(new Error("stop"));
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
    expect(await stub.waitForNoConnections()).toBe(true);
  });
});
