import { describe, expect, it } from "@jest/globals";
import { InvalidRequestError, type LanguageModel } from "@trace-ts/core";
import {
  assistantToolCallMessage,
  checkContract,
  defineMiddleware,
  requestNeedsV2,
  toolResultMessage,
  userMessage,
  wrapModel,
} from "@trace-ts/core/llm";

const textModel = (version: "v1" | "v2"): LanguageModel => ({
  specificationVersion: version,
  provider: "test",
  modelId: `m-${version}`,
  generate: async () => ({
    text: "ok",
    usage: { inputTokens: 1, outputTokens: 1 },
    finishReason: "stop",
    model: "m",
  }),
});

describe("contract v2 helpers", () => {
  it("userMessage keeps text-only messages v1 and lists parts when there is an image", () => {
    expect(userMessage("a", "b")).toEqual({ role: "user", content: "a\n\nb" });
    const image = { type: "image", url: "https://example.test/cat.png" } as const;
    const m = userMessage("What is this?", image);
    expect(m.content).toBe("What is this?");
    expect(m.parts).toEqual([{ type: "text", text: "What is this?" }, image]);
  });

  it("requestNeedsV2 names the first v2 feature a request uses", () => {
    const user = { role: "user", content: "hi" } as const;
    expect(requestNeedsV2({ messages: [user] })).toBeUndefined();
    expect(requestNeedsV2({ messages: [user], tools: [] })).toBeUndefined();
    expect(
      requestNeedsV2({
        messages: [user],
        tools: [{ name: "t", description: "d", parameters: { type: "object" } }],
      }),
    ).toBe("tool definitions");
    const call = { id: "c1", name: "t", arguments: "{}" };
    expect(requestNeedsV2({ messages: [user, assistantToolCallMessage("", [call])] })).toBe(
      "an assistant message with tool calls",
    );
    expect(requestNeedsV2({ messages: [user, toolResultMessage(call, "42")] })).toBe("a tool result message");
    expect(
      requestNeedsV2({ messages: [userMessage("x", { type: "image", url: "data:image/png;base64,AA==" })] }),
    ).toBe("an image");
  });

  it("a v1 model behind middleware refuses a v2 request instead of dropping its tools", async () => {
    let reached = 0;
    const counting = defineMiddleware("count", (request, next) => {
      reached++;
      return next(request);
    });
    const request = {
      messages: [{ role: "user", content: "hi" }] as const,
      tools: [{ name: "t", description: "d", parameters: { type: "object" } }],
    };
    const v1 = wrapModel(textModel("v1"), counting);
    await expect(v1.generate(request)).rejects.toThrow(InvalidRequestError);
    await expect(v1.generate(request)).rejects.toThrow(/contract v1.*tool definitions/);
    expect(reached).toBe(0);
    const v2 = wrapModel(textModel("v2"), counting);
    expect(v2.specificationVersion).toBe("v2");
    await expect(v2.generate(request)).resolves.toMatchObject({ text: "ok" });
    expect(() =>
      checkContract(textModel("v1"), { messages: [{ role: "user", content: "plain" }] }),
    ).not.toThrow();
  });
});
