/**
 * Contract v2 through the official `@anthropic-ai/sdk` against a stub on 127.0.0.1: the exact
 * request bodies for tools, tool choices, `tool_use` and `tool_result` blocks (consecutive results
 * merged into one user message) and image blocks, the mapping of responses that call tools, and
 * what is refused before sending.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { AnthropicMessagesModel } from "@trace-ts/anthropic";
import { type ChatMessage, type GenerateRequest, InvalidRequestError, withDefaults } from "@trace-ts/core";
import { anthropicMessageResponse, stubServerForTests } from "@trace-ts/core/testing";

const KEY = "sk-ant-test-not-real-tools-0123456";
const stub = stubServerForTests({ beforeAll, afterAll, beforeEach }, () => ({
  json: anthropicMessageResponse("hello"),
}));

const model = () => new AnthropicMessagesModel("claude-sonnet-4-6", { apiKey: KEY, baseURL: stub.url });

const weather = {
  name: "get_weather",
  description: "Current weather in a city.",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
} as const;
const time = {
  name: "get-time",
  description: "Current time in a time zone.",
  parameters: { properties: { zone: { type: "string" } } },
} as const;
const ask = (content = "Weather in Paris?"): ChatMessage[] => [{ role: "user", content }];
const sentMessages = (i = 0): unknown => (stub.requests[i]!.body as { messages: unknown }).messages;

/** A messages-API body with the given content blocks and stop reason. */
function blocksResponse(content: readonly unknown[], stopReason = "tool_use"): Record<string, unknown> {
  return { ...anthropicMessageResponse("", { finishReason: stopReason }), content };
}

describe("AnthropicMessagesModel contract v2", () => {
  it("implements v2, also behind the middleware stack", async () => {
    expect(model().specificationVersion).toBe("v2");
    const wrapped = withDefaults(model(), { retry: false });
    expect(wrapped.specificationVersion).toBe("v2");
    await wrapped.generate({ messages: ask(), tools: [weather], toolChoice: "required" });
    expect(stub.requests).toHaveLength(1);
    expect(stub.requests[0]!.body).toMatchObject({
      tool_choice: { type: "any" },
      tools: [{ name: "get_weather" }],
    });
  });
});

describe("AnthropicMessagesModel tool requests", () => {
  it("sends tool definitions with input_schema (type object added when absent), no tool_choice by default", async () => {
    await model().generate({ messages: ask(), tools: [weather, time], maxTokens: 50 });
    expect(stub.requests[0]!.body).toEqual({
      model: "claude-sonnet-4-6",
      max_tokens: 50,
      messages: [{ role: "user", content: "Weather in Paris?" }],
      tools: [
        {
          name: "get_weather",
          description: "Current weather in a city.",
          input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
        },
        {
          name: "get-time",
          description: "Current time in a time zone.",
          input_schema: { type: "object", properties: { zone: { type: "string" } } },
        },
      ],
    });
  });

  it.each([
    ["auto", { type: "auto" }],
    ["none", { type: "none" }],
    ["required", { type: "any" }],
    [{ tool: "get-time" }, { type: "tool", name: "get-time" }],
  ] as const)("maps the tool choice %j to tool_choice %j", async (choice, sent) => {
    await model().generate({ messages: ask(), tools: [weather, time], toolChoice: choice });
    expect((stub.requests[0]!.body as { tool_choice: unknown }).tool_choice).toEqual(sent);
  });

  it("leaves out auto and none when there are no tools", async () => {
    await model().generate({ messages: ask(), toolChoice: "none" });
    expect(stub.requests[0]!.body).toEqual({
      model: "claude-sonnet-4-6",
      max_tokens: 4096,
      messages: [{ role: "user", content: "Weather in Paris?" }],
    });
  });

  it("sends tool_use blocks with parsed input and merges consecutive tool results into one user message", async () => {
    const messages: ChatMessage[] = [
      { role: "system", content: "Use tools." },
      { role: "user", content: "Weather in Paris and the time in Tokyo?" },
      {
        role: "assistant",
        content: "I will look both up.",
        toolCalls: [
          { id: "toolu_1", name: "get_weather", arguments: '{"city":"Paris"}' },
          { id: "toolu_2", name: "get-time", arguments: '{"zone":"Asia/Tokyo"}' },
        ],
      },
      { role: "tool", content: "18°C, cloudy", toolCallId: "toolu_1", toolName: "get_weather" },
      { role: "tool", content: "09:30", toolCallId: "toolu_2", toolName: "get-time" },
      { role: "user", content: "Also: is it day there?" },
      { role: "assistant", content: "", toolCalls: [{ id: "toolu_3", name: "get-time", arguments: " " }] },
      { role: "tool", content: "", toolCallId: "toolu_3", toolName: "get-time" },
    ];
    await model().generate({ messages, tools: [weather, time] });
    expect(stub.requests[0]!.body).toMatchObject({ system: "Use tools." });
    expect(sentMessages()).toEqual([
      { role: "user", content: "Weather in Paris and the time in Tokyo?" },
      {
        role: "assistant",
        content: [
          { type: "text", text: "I will look both up." },
          { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
          { type: "tool_use", id: "toolu_2", name: "get-time", input: { zone: "Asia/Tokyo" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_1", content: "18°C, cloudy" },
          { type: "tool_result", tool_use_id: "toolu_2", content: "09:30" },
          { type: "text", text: "Also: is it day there?" },
        ],
      },
      // a call without arguments has input {}; an empty result has no content
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_3", name: "get-time", input: {} }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_3" }] },
    ]);
  });

  it("sends images as image blocks: https as a url source, data URLs as base64 with their media type", async () => {
    await model().generate({
      messages: [
        { role: "user", content: "Earlier text." },
        {
          role: "user",
          content: "Compare these.",
          parts: [
            { type: "text", text: "Compare these." },
            { type: "image", url: "https://example.com/cat.jpg" },
            { type: "image", url: "data:image/png;base64,iVBORw0KGgo=" },
            // the part's mediaType wins over the data URL's
            { type: "image", url: "data:application/octet-stream;base64,UklGRg==", mediaType: "image/webp" },
          ],
        },
      ],
    });
    expect(sentMessages()).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "Earlier text." },
          { type: "text", text: "Compare these." },
          { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } },
          { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
          { type: "image", source: { type: "base64", media_type: "image/webp", data: "UklGRg==" } },
        ],
      },
    ]);
  });

  it("does not prefill a JSON answer when tools are given (it would keep the model from calling one)", async () => {
    await model().generate({ messages: ask(), tools: [weather], responseFormat: { type: "json" } });
    const messages = sentMessages() as { role: string }[];
    expect(messages.at(-1)!.role).toBe("user");
  });
});

describe("AnthropicMessagesModel tool responses", () => {
  it("maps several tool_use blocks of one answer, in order, input serialized as JSON text", async () => {
    stub.setHandler(() => ({
      json: blocksResponse([
        { type: "text", text: "Looking up " },
        { type: "tool_use", id: "toolu_a", name: "get_weather", input: { city: "Paris" } },
        { type: "text", text: "both." },
        { type: "tool_use", id: "toolu_b", name: "get-time", input: { zone: "Asia/Tokyo", hour12: false } },
        { type: "tool_use", id: "toolu_c", name: "get-time", input: {} },
      ]),
    }));
    const r = await model().generate({ messages: ask(), tools: [weather, time] });
    expect(r.text).toBe("Looking up both.");
    expect(r.finishReason).toBe("tool_calls");
    expect(r.toolCalls).toEqual([
      { id: "toolu_a", name: "get_weather", arguments: '{"city":"Paris"}' },
      { id: "toolu_b", name: "get-time", arguments: '{"zone":"Asia/Tokyo","hour12":false}' },
      { id: "toolu_c", name: "get-time", arguments: "{}" },
    ]);
    expect(r.usage).toEqual({ inputTokens: 13, outputTokens: 5 });
  });

  it("returns empty text for an answer that only calls a tool", async () => {
    stub.setHandler(() => ({
      json: blocksResponse([
        { type: "tool_use", id: "toolu_a", name: "get_weather", input: { city: "Oslo" } },
      ]),
    }));
    const r = await model().generate({ messages: ask(), tools: [weather], toolChoice: "required" });
    expect(r).toMatchObject({ text: "", finishReason: "tool_calls" });
    expect(r.toolCalls).toHaveLength(1);
  });

  it("has no toolCalls on a plain text answer", async () => {
    const r = await model().generate({ messages: ask() });
    expect(r.text).toBe("hello");
    expect(r).not.toHaveProperty("toolCalls");
  });
});

describe("AnthropicMessagesModel refuses before sending", () => {
  const withCall = (args: string): ChatMessage[] => [
    ...ask(),
    { role: "assistant", content: "", toolCalls: [{ id: "toolu_1", name: "get_weather", arguments: args }] },
    { role: "tool", content: "18°C", toolCallId: "toolu_1" },
  ];
  const image = (url: string, mediaType?: string): ChatMessage[] => [
    {
      role: "user",
      content: "",
      parts: [{ type: "image", url, ...(mediaType !== undefined ? { mediaType } : {}) }],
    },
  ];
  const cases: [string, GenerateRequest, RegExp][] = [
    [
      "tool call arguments that are not JSON",
      { messages: withCall('{"city":'), tools: [weather] },
      /toolu_1 \(get_weather\) are not valid JSON/,
    ],
    [
      "tool call arguments that are not an object",
      { messages: withCall('["Paris"]'), tools: [weather] },
      /are not a JSON object/,
    ],
    [
      "a tool choice naming an unknown tool",
      { messages: ask(), tools: [weather], toolChoice: { tool: "nope" } },
      /"nope", which is not among the tools/,
    ],
    ["required without tools", { messages: ask(), toolChoice: "required" }, /needs tools/],
    [
      "a tool name the API rejects",
      { messages: ask(), tools: [{ ...weather, name: "get.weather" }] },
      /tool name "get.weather"/,
    ],
    [
      "two tools with one name",
      { messages: ask(), tools: [weather, weather] },
      /two tools are named get_weather/,
    ],
    [
      "a schema that is not an object",
      { messages: ask(), tools: [{ ...weather, parameters: { type: "string" } }] },
      /must be an object schema/,
    ],
    [
      "an unsupported image media type",
      { messages: image("data:image/bmp;base64,Qk0=") },
      /media type "image\/bmp"/,
    ],
    [
      "a data URL that is not base64",
      { messages: image("data:image/svg+xml,%3Csvg%3E") },
      /not base64-encoded/,
    ],
    ["an image that is not a URL", { messages: image("cat.png") }, /neither an http\(s\) URL nor a data URL/],
    [
      "an image in an assistant message",
      {
        messages: [
          ...ask(),
          { role: "assistant", content: "", parts: [{ type: "image", url: "https://example.com/a.png" }] },
        ],
      },
      /message 1 \(assistant\) has an image/,
    ],
    [
      "a tool result without toolCallId",
      { messages: [...ask(), { role: "tool", content: "18°C" }] },
      /message 1 is a tool result without toolCallId/,
    ],
  ];
  it.each(cases)("%s", async (_what, request, message) => {
    const error = await model()
      .generate(request)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).message).toMatch(message);
    expect((error as InvalidRequestError).message).toMatch(/^anthropic:claude-sonnet-4-6: /);
    expect(stub.requestCount).toBe(0);
  });
});
