/**
 * Contract v2 in core's language-model layer: cache keys (unchanged for text-only requests,
 * covering every v2 field otherwise), token estimates and bounds, the scripted model's tool calls,
 * and the cache and log middleware keeping tool calls.
 */
import * as crypto from "node:crypto";
import { describe, expect, it } from "@jest/globals";
import type { ChatMessage, GenerateRequest } from "@trace-ts/core";
import {
  estimateInputTokens,
  hashNormalized,
  type LLMLogEvent,
  logCalls,
  normalizeRequest,
  requestCacheKey,
  responseCache,
  upperBoundInputTokens,
  wrapModel,
} from "@trace-ts/core/llm";
import { ScriptedModel } from "@trace-ts/core/testing";
import { IMAGE_TOKENS_BOUND, IMAGE_TOKENS_ESTIMATE, TOOLS_OVERHEAD_BOUND } from "../../src/llm/tokens.js";

const m = { provider: "p", modelId: "m" };
const text = (content: string, extra: Partial<GenerateRequest> = {}): GenerateRequest => ({
  messages: [
    { role: "system", content: "be brief" },
    { role: "user", content },
  ],
  ...extra,
});
const weather = {
  name: "weather",
  description: "Current weather of a city.",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};
const image = { type: "image", url: "https://example.com/cat.png" } as const;

describe("cache key, contract v2", () => {
  it("keeps the v1 key of a text-only request exactly (existing caches stay valid)", () => {
    // the v1 formula, written out: SHA-256 of [version, provider, model, format, maxTokens,
    // temperature, seed, role, content, …]
    const legacy = (r: GenerateRequest) =>
      crypto
        .createHash("sha256")
        .update(
          JSON.stringify([
            1,
            "p",
            "m",
            null,
            r.maxTokens ?? null,
            r.temperature ?? null,
            null,
            ...r.messages.flatMap((x) => [x.role, x.content]),
          ]),
        )
        .digest("hex");
    for (const r of [text("q"), text("q", { maxTokens: 5, temperature: 0 })]) {
      expect(requestCacheKey(m, r)).toBe(legacy(r));
      expect(normalizeRequest(m, r)).not.toHaveProperty("v2");
    }
  });

  it("covers parts, tool calls, tool results, tools and the tool choice", () => {
    const base = text("q");
    const k = requestCacheKey(m, base);
    const withMessages = (extra: ChatMessage[]): GenerateRequest => ({
      messages: [...base.messages, ...extra],
    });
    const call = { id: "call_0", name: "weather", arguments: '{"city":"Oslo"}' };
    const variants: Array<[string, GenerateRequest]> = [
      ["image", { messages: [{ role: "user", content: "q", parts: [{ type: "text", text: "q" }, image] }] }],
      [
        "other image",
        {
          messages: [
            {
              role: "user",
              content: "q",
              parts: [
                { type: "text", text: "q" },
                { ...image, url: "https://example.com/dog.png" },
              ],
            },
          ],
        },
      ],
      ["tools", text("q", { tools: [weather] })],
      ["tool choice", text("q", { tools: [weather], toolChoice: "required" })],
      ["named choice", text("q", { tools: [weather], toolChoice: { tool: "weather" } })],
      ["tool call", withMessages([{ role: "assistant", content: "", toolCalls: [call] }])],
      [
        "other arguments",
        withMessages([{ role: "assistant", content: "", toolCalls: [{ ...call, arguments: "{}" }] }]),
      ],
      [
        "tool result",
        withMessages([{ role: "tool", content: "4", toolCallId: "call_0", toolName: "weather" }]),
      ],
      [
        "other call id",
        withMessages([{ role: "tool", content: "4", toolCallId: "call_1", toolName: "weather" }]),
      ],
    ];
    const keys = variants.map(([what, r]) => [what, requestCacheKey(m, r)] as const);
    expect(new Set([k, ...keys.map(([, key]) => key)]).size).toBe(variants.length + 1);
    for (const [, r] of variants) expect(hashNormalized(normalizeRequest(m, r))).toBe(requestCacheKey(m, r));
  });

  it("does not depend on the key order of tool schemas", () => {
    const reordered = {
      parameters: { required: ["city"], properties: { city: { type: "string" } }, type: "object" },
      description: weather.description,
      name: "weather",
    };
    expect(requestCacheKey(m, text("q", { tools: [reordered] }))).toBe(
      requestCacheKey(m, text("q", { tools: [weather] })),
    );
  });
});

describe("token estimates and bounds, contract v2", () => {
  it("count tool definitions, tool calls and results, and images", () => {
    const plain = text("What is the weather?");
    const withTools = text("What is the weather?", { tools: [weather] });
    expect(estimateInputTokens(withTools)).toBeGreaterThan(estimateInputTokens(plain));
    expect(upperBoundInputTokens(withTools)).toBeGreaterThanOrEqual(
      upperBoundInputTokens(plain) + TOOLS_OVERHEAD_BOUND + JSON.stringify(weather.parameters).length / 2,
    );
    const withImage: GenerateRequest = {
      messages: [{ role: "user", content: "q", parts: [{ type: "text", text: "q" }, image, image] }],
    };
    const textOnly: GenerateRequest = { messages: [{ role: "user", content: "q" }] };
    expect(estimateInputTokens(withImage) - estimateInputTokens(textOnly)).toBe(2 * IMAGE_TOKENS_ESTIMATE);
    expect(upperBoundInputTokens(withImage) - upperBoundInputTokens(textOnly)).toBeGreaterThanOrEqual(
      2 * IMAGE_TOKENS_BOUND,
    );
    const args = JSON.stringify({ city: "x".repeat(400) });
    const withCall: GenerateRequest = {
      messages: [
        ...textOnly.messages,
        { role: "assistant", content: "", toolCalls: [{ id: "call_0", name: "weather", arguments: args }] },
        { role: "tool", content: "4", toolCallId: "call_0", toolName: "weather" },
      ],
    };
    expect(upperBoundInputTokens(withCall)).toBeGreaterThan(upperBoundInputTokens(textOnly) + 400);
    expect(estimateInputTokens(withCall)).toBeGreaterThan(estimateInputTokens(textOnly) + 100);
  });

  it("the upper bound of a text-only request is unchanged", () => {
    // 16 per request, 8 per message, 6 for "hello there"
    expect(upperBoundInputTokens({ messages: [{ role: "user", content: "hello there" }] })).toBe(16 + 8 + 6);
  });
});

describe("ScriptedModel, contract v2", () => {
  it("is v2 by default and v1 on request", () => {
    expect(new ScriptedModel(["x"]).specificationVersion).toBe("v2");
    expect(new ScriptedModel(["x"], { specificationVersion: "v1" }).specificationVersion).toBe("v1");
    expect(() => new ScriptedModel(["x"], { specificationVersion: "v3" as "v1" })).toThrow(RangeError);
  });

  it("answers tool calls with generated ids and the tool_calls finish reason", async () => {
    const model = new ScriptedModel([
      {
        toolCalls: [
          { name: "a", arguments: { x: 1 } },
          { name: "b", arguments: "not json" },
        ],
      },
      {
        text: "and",
        toolCalls: [
          { id: "mine", name: "a", arguments: {} },
          { name: "a", arguments: {} },
        ],
      },
      "plain",
    ]);
    const req: GenerateRequest = { messages: [{ role: "user", content: "q" }] };
    const r1 = await model.generate(req);
    expect(r1).toMatchObject({ text: "", finishReason: "tool_calls" });
    expect(r1.toolCalls).toEqual([
      { id: "call_0", name: "a", arguments: '{"x":1}' },
      { id: "call_1", name: "b", arguments: "not json" },
    ]);
    expect(r1.usage.outputTokens).toBeGreaterThan(0);
    const r2 = await model.generate(req);
    expect(r2.toolCalls!.map((c) => c.id)).toEqual(["mine", "call_2"]);
    const r3 = await model.generate(req);
    expect(r3).toMatchObject({ text: "plain", finishReason: "stop" });
    expect(r3.toolCalls).toBeUndefined();
    model.reset();
    expect((await model.generate(req)).toolCalls![0]!.id).toBe("call_0");
  });

  it("a responder can dispatch on the conversation", async () => {
    const model = new ScriptedModel((r) =>
      r.messages.at(-1)!.role === "tool"
        ? `got ${r.messages.at(-1)!.content}`
        : { toolCalls: [{ name: "t", arguments: {} }] },
    );
    const first = await model.generate({ messages: [{ role: "user", content: "q" }] });
    const second = await model.generate({
      messages: [
        { role: "user", content: "q" },
        { role: "assistant", content: "", toolCalls: first.toolCalls! },
        { role: "tool", content: "42", toolCallId: first.toolCalls![0]!.id, toolName: "t" },
      ],
    });
    expect(second.text).toBe("got 42");
  });
});

describe("middleware, contract v2", () => {
  it("the response cache keeps the tool calls of an answer", async () => {
    const base = new ScriptedModel([{ toolCalls: [{ name: "weather", arguments: { city: "Oslo" } }] }]);
    const model = wrapModel(base, responseCache());
    const req = text("q", { tools: [weather] });
    const first = await model.generate(req);
    const second = await model.generate(req);
    expect(second.cached).toBe(true);
    expect(second.toolCalls).toEqual(first.toolCalls);
    expect(second.finishReason).toBe("tool_calls");
  });

  it("the log records offered tools and the tool calls asked for", async () => {
    const events: LLMLogEvent[] = [];
    const base = new ScriptedModel([{ toolCalls: [{ name: "weather", arguments: { city: "Oslo" } }] }]);
    const model = wrapModel(base, logCalls({ onEvent: (e) => events.push(e) }));
    await model.generate(text("q", { tools: [weather], toolChoice: "auto" }));
    expect(events[0]).toMatchObject({ type: "request", tools: ["weather"], toolChoice: "auto" });
    expect(events[1]).toMatchObject({ type: "response", toolCalls: [{ name: "weather" }] });
  });
});
