import type { LanguageModelV3CallOptions, LanguageModelV3GenerateResult } from "@ai-sdk/provider";
import { describe, expect, it } from "@jest/globals";
import { generateText, type ToolExecuteOptions } from "@trace-ts/ai-sdk";
import { bundle, ExecutionError, MessageNode, type Node, node } from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import { jsonSchema } from "ai";
import { MockLanguageModelV3 } from "ai/test";

const usage = (input: number, output: number): LanguageModelV3GenerateResult["usage"] => ({
  inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: output, text: output, reasoning: undefined },
});

/** An AI SDK v3 mock that calls `tool` with `args` first, then answers with the tool's result. */
function toolThenAnswer(tool: string, args: unknown): MockLanguageModelV3 {
  return new MockLanguageModelV3({
    doGenerate: async (options: LanguageModelV3CallOptions): Promise<LanguageModelV3GenerateResult> => {
      const last = options.prompt.at(-1);
      if (last?.role !== "tool") {
        return {
          content: [{ type: "tool-call", toolCallId: "c1", toolName: tool, input: JSON.stringify(args) }],
          finishReason: { unified: "tool-calls", raw: "tool_calls" },
          usage: usage(10, 2),
          warnings: [],
        };
      }
      const part = last.content[0];
      const value = part?.type === "tool-result" && part.output.type === "text" ? part.output.value : "?";
      return {
        content: [{ type: "text", text: `It is ${value}.` }],
        finishReason: { unified: "stop", raw: "stop" },
        usage: usage(20, 4),
        warnings: [],
      };
    },
  });
}

function ancestors(start: Node): Set<Node> {
  const seen = new Set<Node>();
  const todo = [start];
  while (todo.length > 0) {
    const n = todo.pop()!;
    for (const p of n.parents) {
      if (!seen.has(p)) {
        seen.add(p);
        todo.push(p);
      }
    }
  }
  return seen;
}

describe("generateText (traced, AI SDK-shaped)", () => {
  it("runs an AI SDK model with an AI SDK-style tool whose execute is a trainable bundle, tracing both", async () => {
    const model = toolThenAnswer("weather", { city: "Oslo" });
    const system = node("You are a weather assistant.", { trainable: true, name: "system" });
    const description = node("Weather of a city.", { trainable: true, name: "weather_description" });
    const weather = bundle(
      function weather(input: { city: string }) {
        return `${input.city}: 21°C`;
      },
      { trainable: true },
    );
    const result = await generateText({
      model,
      system,
      prompt: "Weather in Oslo?",
      tools: {
        weather: {
          description,
          inputSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
          execute: weather,
        },
      },
      temperature: 0,
      maxOutputTokens: 64,
    });
    expect(result.text).toBe("It is Oslo: 21°C.");
    expect(result.steps).toBe(2);
    expect(result.toolCalls).toEqual([
      { toolName: "weather", arguments: '{"city":"Oslo"}', step: 1, ok: true },
    ]);
    expect(result.usage).toEqual({ inputTokens: 30, outputTokens: 6 });
    expect(result.finishReason).toBe("stop");
    expect(result.node).toBeInstanceOf(MessageNode);
    expect(result.node.data).toBe(result.text);
    // feedback on the answer reaches the prompt, the tool description and the tool's code
    const reached = ancestors(result.node);
    expect(reached.has(system)).toBe(true);
    expect(reached.has(description)).toBe(true);
    expect(reached.has(weather.parameter!)).toBe(true);
    // what the AI SDK model was sent
    const first = model.doGenerateCalls[0]!;
    expect(first).toMatchObject({
      temperature: 0,
      maxOutputTokens: 64,
      prompt: [
        { role: "system", content: "You are a weather assistant." },
        { role: "user", content: [{ type: "text", text: "Weather in Oslo?" }] },
      ],
      tools: [{ type: "function", name: "weather", description: "Weather of a city." }],
    });
  });

  it("takes a bare bundled function as a tool: name, description and parameters come from the bundle", async () => {
    const model = toolThenAnswer("convert", { celsius: 20 });
    const convert = bundle(
      function convert(celsius: number) {
        return `${celsius * 1.8 + 32}°F`;
      },
      { trainable: true, description: "Converts degrees Celsius to Fahrenheit." },
    );
    const result = await generateText({ model, prompt: "20 °C in °F?", tools: { convert } });
    expect(result.text).toBe("It is 68°F.");
    expect(model.doGenerateCalls[0]!.tools).toEqual([
      expect.objectContaining({
        type: "function",
        name: "convert",
        description: "Converts degrees Celsius to Fahrenheit.",
        inputSchema: expect.objectContaining({ required: ["celsius"] }),
      }),
    ]);
    expect(ancestors(result.node).has(convert.parameter)).toBe(true);
  });

  it("takes an AI SDK jsonSchema() input schema and passes a plain execute the call id and signal", async () => {
    const model = toolThenAnswer("add", { a: 2, b: 3 });
    const seen: ToolExecuteOptions[] = [];
    const controller = new AbortController();
    const schema = { type: "object", properties: { a: { type: "number" }, b: { type: "number" } } } as const;
    const result = await generateText({
      model,
      prompt: "2 + 3?",
      abortSignal: controller.signal,
      toolChoice: { type: "tool", toolName: "add" },
      tools: {
        add: {
          description: "Adds two numbers.",
          inputSchema: jsonSchema<{ a: number; b: number }>(schema),
          execute: async (input: { a: number; b: number }, options: ToolExecuteOptions) => {
            seen.push(options);
            return input.a + input.b;
          },
        },
      },
    });
    expect(result.text).toBe("It is 5.");
    expect(seen).toEqual([{ toolCallId: "c1", abortSignal: controller.signal }]);
    expect(model.doGenerateCalls[0]).toMatchObject({
      tools: [{ name: "add", inputSchema: schema }],
      toolChoice: { type: "tool", toolName: "add" },
    });
  });

  it("sends a tool's error back to the model as feedback text, and marks the call not ok", async () => {
    const model = toolThenAnswer("lookup", { id: 1 });
    const lookup = bundle(
      function lookup(input: { id: number }): string {
        throw new RangeError(`no record ${input.id}`);
      },
      { trainable: true },
    );
    const result = await generateText({
      model,
      prompt: "Find record 1",
      tools: { lookup: { inputSchema: { type: "object" }, execute: lookup } },
    });
    expect(result.toolCalls[0]!.ok).toBe(false);
    expect(result.text).toMatch(/RangeError: no record 1/);
    expect(ancestors(result.node).has(lookup.parameter!)).toBe(true);
  });

  it("accepts a trace-ts model and user messages with image parts; joins a system message", async () => {
    const model = new ScriptedModel(["A cat."]);
    const result = await generateText({
      model,
      messages: [
        { role: "system", content: "Describe images." },
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image", image: new URL("https://example.test/cat.png"), mediaType: "image/png" },
          ],
        },
      ],
    });
    expect(result).toMatchObject({ text: "A cat.", steps: 1, toolCalls: [] });
    expect(model.calls[0]!.request.messages).toEqual([
      { role: "system", content: "Describe images." },
      {
        role: "user",
        content: "What is this?",
        parts: [
          { type: "text", text: "What is this?" },
          { type: "image", url: "https://example.test/cat.png", mediaType: "image/png" },
        ],
      },
    ]);
  });

  it("refuses what it cannot trace with TypeError, and model failures as ExecutionError", async () => {
    const model = new ScriptedModel([new Error("boom")]);
    await expect(generateText({ model, prompt: "a", messages: [] })).rejects.toThrow(
      /either prompt or messages/,
    );
    await expect(
      generateText({ model, messages: [{ role: "assistant", content: "hi" } as never] }),
    ).rejects.toThrow(/only system and user messages/);
    await expect(
      generateText({
        model,
        prompt: "a",
        tools: { t: { inputSchema: { "~standard": {} }, execute: () => 1 } },
      }),
    ).rejects.toThrow(/zodSchema/);
    await expect(
      generateText({ model, prompt: "a", tools: { t: { description: "no execute" } as never } }),
    ).rejects.toThrow(/without execute/);
    await expect(generateText({ model, prompt: "a" })).rejects.toBeInstanceOf(ExecutionError);
  });
});
