/**
 * Contract v2 through the official `openai` SDK against a stub on 127.0.0.1: the exact request
 * bodies for tools, tool choices, tool calls, tool results and image parts, the mapping of
 * responses that call tools, and what is refused before sending.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { type ChatMessage, type GenerateRequest, InvalidRequestError, withDefaults } from "@trace-ts/core";
import { openAIChatResponse, stubServerForTests } from "@trace-ts/core/testing";
import { OpenAIChatModel } from "@trace-ts/openai";

const KEY = "sk-test-not-real-openai-tools-0123";
const stub = stubServerForTests({ beforeAll, afterAll, beforeEach }, () => ({
  json: openAIChatResponse("hello"),
}));

const model = () =>
  new OpenAIChatModel("gpt-4o-mini", { apiKey: KEY, baseURL: `${stub.url}/v1`, provider: "openai" });

const weather = {
  name: "get_weather",
  description: "Current weather in a city.",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
} as const;
const time = {
  name: "get-time",
  description: "Current time in a time zone.",
  parameters: { type: "object", properties: { zone: { type: "string" } } },
} as const;
const ask = (content = "Weather in Paris?"): ChatMessage[] => [{ role: "user", content }];

/** A chat-completions body whose message calls tools (content null, as OpenAI sends it). */
function toolCallResponse(
  calls: readonly { id: string; name: string; arguments: unknown }[],
  options: { content?: string | null; finishReason?: string } = {},
): Record<string, unknown> {
  const body = openAIChatResponse("", { finishReason: options.finishReason ?? "tool_calls" });
  const choice = (body.choices as Record<string, unknown>[])[0]!;
  choice.message = {
    role: "assistant",
    content: options.content === undefined ? null : options.content,
    refusal: null,
    tool_calls: calls.map((c) => ({
      id: c.id,
      type: "function",
      function: { name: c.name, arguments: c.arguments },
    })),
  };
  return body;
}

describe("OpenAIChatModel contract v2", () => {
  it("implements v2, also behind the middleware stack", async () => {
    expect(model().specificationVersion).toBe("v2");
    const wrapped = withDefaults(model(), { retry: false });
    expect(wrapped.specificationVersion).toBe("v2");
    await wrapped.generate({ messages: ask(), tools: [weather], toolChoice: "required" });
    expect(stub.requests).toHaveLength(1);
    expect(stub.requests[0]!.body).toMatchObject({ tool_choice: "required", tools: [{ type: "function" }] });
  });
});

describe("OpenAIChatModel tool requests", () => {
  it("sends tool definitions as function tools, with no tool_choice when none is given", async () => {
    await model().generate({ messages: ask(), tools: [weather, time] });
    expect(stub.requests[0]!.body).toEqual({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Weather in Paris?" }],
      tools: [
        {
          type: "function",
          function: {
            name: "get_weather",
            description: "Current weather in a city.",
            parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
          },
        },
        {
          type: "function",
          function: {
            name: "get-time",
            description: "Current time in a time zone.",
            parameters: { type: "object", properties: { zone: { type: "string" } } },
          },
        },
      ],
    });
  });

  it.each([
    ["auto", "auto"],
    ["none", "none"],
    ["required", "required"],
    [{ tool: "get-time" }, { type: "function", function: { name: "get-time" } }],
  ] as const)("maps the tool choice %j to tool_choice %j", async (choice, sent) => {
    await model().generate({ messages: ask(), tools: [weather, time], toolChoice: choice });
    expect((stub.requests[0]!.body as { tool_choice: unknown }).tool_choice).toEqual(sent);
  });

  it("leaves out auto and none when there are no tools (a text request stays a v1 body)", async () => {
    await model().generate({ messages: ask(), toolChoice: "none" });
    await model().generate({ messages: ask(), tools: [], toolChoice: "auto" });
    for (const r of stub.requests) {
      expect(r.body).toEqual({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "Weather in Paris?" }],
      });
    }
  });

  it("sends a tool-calling conversation: assistant tool_calls and tool results with tool_call_id", async () => {
    const messages: ChatMessage[] = [
      { role: "system", content: "Use tools." },
      { role: "user", content: "Weather in Paris and the time in Tokyo?" },
      {
        role: "assistant",
        content: "",
        toolCalls: [
          { id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' },
          { id: "call_2", name: "get-time", arguments: '{"zone":"Asia/Tokyo"}' },
        ],
      },
      { role: "tool", content: "18°C, cloudy", toolCallId: "call_1", toolName: "get_weather" },
      { role: "tool", content: "09:30", toolCallId: "call_2", toolName: "get-time" },
      {
        role: "assistant",
        content: "Let me check once more.",
        toolCalls: [{ id: "call_3", name: "get_weather", arguments: "{not json" }],
      },
      { role: "tool", content: "19°C", toolCallId: "call_3", toolName: "get_weather" },
    ];
    await model().generate({ messages, tools: [weather, time] });
    expect((stub.requests[0]!.body as { messages: unknown }).messages).toEqual([
      { role: "system", content: "Use tools." },
      { role: "user", content: "Weather in Paris and the time in Tokyo?" },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: "call_1",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris"}' },
          },
          {
            id: "call_2",
            type: "function",
            function: { name: "get-time", arguments: '{"zone":"Asia/Tokyo"}' },
          },
        ],
      },
      { role: "tool", tool_call_id: "call_1", content: "18°C, cloudy" },
      { role: "tool", tool_call_id: "call_2", content: "09:30" },
      {
        role: "assistant",
        content: "Let me check once more.",
        // the arguments are the model's own text: sent back exactly as written
        tool_calls: [
          { id: "call_3", type: "function", function: { name: "get_weather", arguments: "{not json" } },
        ],
      },
      { role: "tool", tool_call_id: "call_3", content: "19°C" },
    ]);
  });

  it("sends images in user parts as image_url parts (https and data URLs as given)", async () => {
    const png = "data:image/png;base64,iVBORw0KGgo=";
    await model().generate({
      messages: [
        {
          role: "user",
          content: "What is in these pictures?\n\nAnd this one?",
          parts: [
            { type: "text", text: "What is in these pictures?" },
            { type: "image", url: "https://example.com/cat.jpg" },
            { type: "text", text: "" },
            { type: "text", text: "And this one?" },
            { type: "image", url: png, mediaType: "image/png" },
          ],
        },
        { role: "user", content: "text parts only", parts: [{ type: "text", text: "text parts only" }] },
      ],
    });
    expect((stub.requests[0]!.body as { messages: unknown }).messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "What is in these pictures?" },
          { type: "image_url", image_url: { url: "https://example.com/cat.jpg" } },
          { type: "text", text: "And this one?" },
          { type: "image_url", image_url: { url: png } },
        ],
      },
      { role: "user", content: "text parts only" },
    ]);
  });
});

describe("OpenAIChatModel tool responses", () => {
  it("maps several tool calls of one answer, in order, with empty text", async () => {
    stub.setHandler(() => ({
      json: toolCallResponse([
        { id: "call_a", name: "get_weather", arguments: '{"city":"Paris"}' },
        { id: "call_b", name: "get-time", arguments: '{"zone":"Asia/Tokyo"}' },
        { id: "call_c", name: "get_weather", arguments: '{"city":' },
      ]),
    }));
    const r = await model().generate({ messages: ask(), tools: [weather, time] });
    expect(r.text).toBe("");
    expect(r.finishReason).toBe("tool_calls");
    expect(r.toolCalls).toEqual([
      { id: "call_a", name: "get_weather", arguments: '{"city":"Paris"}' },
      { id: "call_b", name: "get-time", arguments: '{"zone":"Asia/Tokyo"}' },
      { id: "call_c", name: "get_weather", arguments: '{"city":' },
    ]);
    expect(r.usage).toEqual({ inputTokens: 11, outputTokens: 7 });
  });

  it("keeps text next to tool calls, and reports tool_calls when a server says stop", async () => {
    stub.setHandler(() => ({
      json: toolCallResponse([{ id: "call_a", name: "get_weather", arguments: '{"city":"Oslo"}' }], {
        content: "Checking.",
        finishReason: "stop",
      }),
    }));
    const r = await model().generate({ messages: ask(), tools: [weather] });
    expect(r).toMatchObject({
      text: "Checking.",
      finishReason: "tool_calls",
      toolCalls: [{ id: "call_a", name: "get_weather", arguments: '{"city":"Oslo"}' }],
    });
  });

  it("serializes arguments a compatible server sends as an object", async () => {
    stub.setHandler(() => ({
      json: toolCallResponse([{ id: "call_a", name: "get_weather", arguments: { city: "Rome" } }]),
    }));
    const r = await model().generate({ messages: ask(), tools: [weather] });
    expect(r.toolCalls).toEqual([{ id: "call_a", name: "get_weather", arguments: '{"city":"Rome"}' }]);
  });

  it("estimates usage from the tool calls when a server reports none", async () => {
    const args = JSON.stringify({ city: "x".repeat(400) });
    const body = toolCallResponse([{ id: "call_a", name: "get_weather", arguments: args }]);
    delete body.usage;
    stub.setHandler(() => ({ json: body }));
    const r = await model().generate({ messages: ask(), tools: [weather] });
    expect(r.usage.outputTokens).toBeGreaterThanOrEqual(100);
  });

  it("rejects a tool call without a function name as a bad response", async () => {
    stub.setHandler(() => ({
      json: toolCallResponse([{ id: "call_a", name: "", arguments: "{}" }]),
    }));
    await expect(model().generate({ messages: ask(), tools: [weather] })).rejects.toThrow(
      expect.objectContaining({
        code: "LLM_BAD_RESPONSE",
        message: expect.stringMatching(/tool call 0 .* no function name/),
      }),
    );
  });

  it("has no toolCalls on a plain text answer", async () => {
    const r = await model().generate({ messages: ask() });
    expect(r.text).toBe("hello");
    expect(r).not.toHaveProperty("toolCalls");
  });
});

describe("OpenAIChatModel refuses before sending", () => {
  const cases: [string, GenerateRequest, RegExp][] = [
    [
      "a tool choice naming an unknown tool",
      { messages: ask(), tools: [weather], toolChoice: { tool: "nope" } },
      /"nope", which is not among the tools/,
    ],
    ["required without tools", { messages: ask(), toolChoice: "required" }, /needs tools/],
    [
      "a tool name the API rejects",
      { messages: ask(), tools: [{ ...weather, name: "get weather" }] },
      /tool name "get weather"/,
    ],
    [
      "two tools with one name",
      { messages: ask(), tools: [weather, weather] },
      /two tools are named get_weather/,
    ],
    [
      "an image in a system message",
      {
        messages: [
          { role: "system", content: "", parts: [{ type: "image", url: "https://example.com/a.png" }] },
          ...ask(),
        ],
      },
      /message 0 \(system\) has an image/,
    ],
    [
      "an image that is not a URL",
      { messages: [{ role: "user", content: "", parts: [{ type: "image", url: "/home/me/cat.png" }] }] },
      /neither an http\(s\) URL nor a data URL/,
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
    expect((error as InvalidRequestError).message).toMatch(/^openai:gpt-4o-mini: /);
    expect(stub.requestCount).toBe(0);
  });
});
