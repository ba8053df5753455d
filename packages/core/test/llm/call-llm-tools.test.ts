/**
 * `callLLM` with tools (contract v2): the exchange loop, argument problems sent back to the
 * model, traced tool calls and backward through them, v1 models refusing, images in user prompts.
 */
import { describe, expect, it } from "@jest/globals";
import {
  backward,
  bundle,
  CancelledError,
  callLLM,
  ExceptionNode,
  ExecutionError,
  type GenerateRequest,
  InvalidRequestError,
  type LLMTool,
  MessageNode,
  node,
  noTrace,
  tool,
} from "@trace-ts/core";
import { type ContentPart, requestCacheKey, responseCache, wrapModel } from "@trace-ts/core/llm";
import { ScriptedModel } from "@trace-ts/core/testing";
import { bundleOf } from "../../src/bundle/registry.js";

const last = (req: GenerateRequest) => req.messages.at(-1)!;

function weatherTool(log: string[] = []): LLMTool {
  return tool(
    async (args: { city: string }) => {
      log.push(args.city);
      return { city: args.city, temperatureC: args.city === "Oslo" ? 4 : 21 };
    },
    {
      name: "weather",
      description: "Current weather of a city.",
      parameters: {
        type: "object",
        properties: { city: { type: "string" } },
        required: ["city"],
        additionalProperties: false,
      },
    },
  );
}

describe("callLLM with tools", () => {
  it("runs one tool round: definitions sent, result sent back, final text returned", async () => {
    const cities: string[] = [];
    const model = new ScriptedModel((req) =>
      last(req).role === "tool"
        ? `It is ${JSON.parse(last(req).content).temperatureC} degrees.`
        : { toolCalls: [{ name: "weather", arguments: { city: "Oslo" } }] },
    );
    const answer = await callLLM("Use tools.", "Weather in Oslo?", { model, tools: [weatherTool(cities)] });
    expect(answer.data).toBe("It is 4 degrees.");
    expect(cities).toEqual(["Oslo"]);
    expect(model.callCount).toBe(2);
    const first = model.calls[0]!.request;
    expect(first.tools).toEqual([
      {
        name: "weather",
        description: "Current weather of a city.",
        parameters: expect.objectContaining({ required: ["city"] }),
      },
    ]);
    expect(first.messages).toHaveLength(2); // each step's request keeps what it was sent
    const second = model.calls[1]!.request.messages;
    expect(second.map((m) => m.role)).toEqual(["system", "user", "assistant", "tool"]);
    expect(second[2]!.toolCalls).toEqual([{ id: "call_0", name: "weather", arguments: '{"city":"Oslo"}' }]);
    expect(second[3]).toMatchObject({ toolCallId: "call_0", toolName: "weather" });
    expect(JSON.parse(second[3]!.content)).toEqual({ city: "Oslo", temperatureC: 4 });
    expect(answer.info).toMatchObject({
      steps: 2,
      finishReason: "stop",
      toolCalls: [{ name: "weather", arguments: '{"city":"Oslo"}', step: 1, ok: true }],
    });
    // usage is summed over the two model calls
    const u0 = model.calls[0]!.result!.usage;
    const u1 = model.calls[1]!.result!.usage;
    expect(answer.info.usage).toEqual({
      inputTokens: u0.inputTokens + u1.inputTokens,
      outputTokens: u0.outputTokens + u1.outputTokens,
    });
    expect(Object.keys(answer.inputs)).toEqual([
      "system",
      "user",
      "tools.weather.description",
      "toolResult0",
    ]);
    expect(answer.inputs.toolResult0!.data).toBe('{"city":"Oslo","temperatureC":4}');
  });

  it("runs two rounds and parallel calls in one answer, numbering results in call order", async () => {
    const cities: string[] = [];
    const model = new ScriptedModel([
      { toolCalls: [{ name: "weather", arguments: { city: "Oslo" } }] },
      {
        toolCalls: [
          { name: "weather", arguments: { city: "Rome" } },
          { name: "weather", arguments: '{"city":"Lima"}' },
        ],
      },
      "done",
    ]);
    const answer = await callLLM(null, "Compare.", { model, tools: [weatherTool(cities)] });
    expect(answer.data).toBe("done");
    expect(cities.sort()).toEqual(["Lima", "Oslo", "Rome"]);
    const final = model.calls[2]!.request.messages;
    expect(final.map((m) => m.role)).toEqual(["user", "assistant", "tool", "assistant", "tool", "tool"]);
    expect(final.filter((m) => m.role === "tool").map((m) => m.toolCallId)).toEqual([
      "call_0",
      "call_1",
      "call_2",
    ]);
    expect(answer.info).toMatchObject({ steps: 3 });
    expect((answer.info.toolCalls as { step: number }[]).map((c) => c.step)).toEqual([1, 2, 2]);
    expect(
      ["toolResult0", "toolResult1", "toolResult2"].map(
        (k) => JSON.parse(String(answer.inputs[k]!.data)).city,
      ),
    ).toEqual(["Oslo", "Rome", "Lima"]);
  });

  it("sends a throwing tool's error text back to the model, which can recover", async () => {
    const lookup = bundle(
      function lookup(id: string): string {
        if (id !== "42") throw new RangeError(`no record ${id}`);
        return "found";
      },
      { description: "Looks a record up by id." },
    );
    const model = new ScriptedModel([
      { toolCalls: [{ name: "lookup", arguments: { id: "7" } }] },
      { toolCalls: [{ name: "lookup", arguments: { id: "42" } }] },
      "ok",
    ]);
    const answer = await callLLM(null, "Find it.", { model, tools: [tool(lookup)] });
    expect(answer.data).toBe("ok");
    const firstResult = model.calls[1]!.request.messages.at(-1)!;
    expect(firstResult.role).toBe("tool");
    expect(firstResult.content).toMatch(/lookup threw RangeError: no record 7/);
    expect(answer.inputs.toolResult0).toBeInstanceOf(ExceptionNode);
    expect(answer.inputs.toolResult1).toBeInstanceOf(MessageNode);
    expect(answer.inputs.toolResult1!.data).toBe("found");
    expect(answer.info.toolCalls).toMatchObject([{ ok: false }, { ok: true }]);
  });

  it("a plain function that throws: the error text goes back, no node is traced", async () => {
    const broken = tool(
      () => {
        throw new Error("disk full");
      },
      { name: "save", description: "Saves.", parameters: { type: "object", properties: {} } },
    );
    const model = new ScriptedModel([{ toolCalls: [{ name: "save", arguments: {} }] }, "sorry"]);
    const answer = await callLLM(null, "Save it.", { model, tools: [broken] });
    expect(model.calls[1]!.request.messages.at(-1)!.content).toBe("Error: save threw Error: disk full");
    expect(answer.data).toBe("sorry");
  });

  it("sends bad JSON, misfitting arguments and unknown tools back as tool results, without running the tool", async () => {
    const cities: string[] = [];
    const model = new ScriptedModel([
      {
        toolCalls: [
          { name: "weather", arguments: '{"city": "Oslo"' },
          { name: "weather", arguments: { town: "Oslo" } },
          { name: "weather", arguments: { city: 3 } },
          { name: "forecast", arguments: {} },
          { name: "weather", arguments: "[1]" },
          { name: "weather", arguments: `{"city":"${"x".repeat(100_001)}"}` },
        ],
      },
      "giving up",
    ]);
    const answer = await callLLM(null, "q", { model, tools: [weatherTool(cities)] });
    expect(cities).toEqual([]);
    const results = model.calls[1]!.request.messages.filter((m) => m.role === "tool").map((m) => m.content);
    expect(results[0]).toMatch(/^Error: the arguments are not valid JSON/);
    expect(results[1]).toMatch(/missing required property "city"; unknown property "town"/);
    expect(results[2]).toMatch(/"city" must be string, got number/);
    expect(results[3]).toMatch(/no tool named "forecast" \(the tools are: weather\)/);
    expect(results[4]).toMatch(/must be a JSON object, got an array/);
    expect(results[5]).toMatch(/more than the 100000 allowed/);
    expect(answer.data).toBe("giving up");
    expect((answer.info.toolCalls as { ok: boolean }[]).every((c) => !c.ok)).toBe(true);
  });

  it("checks nested arguments against the whole schema, and refuses a tool whose schema is not JSON Schema", async () => {
    const booked: unknown[] = [];
    const book = tool(
      (args: Readonly<Record<string, unknown>>) => {
        booked.push(args);
        return "booked";
      },
      {
        name: "book",
        description: "Books a trip.",
        parameters: {
          type: "object",
          properties: {
            trip: {
              type: "object",
              properties: { nights: { type: "integer", minimum: 1 }, city: { enum: ["Oslo", "Bergen"] } },
              required: ["nights", "city"],
            },
          },
          required: ["trip"],
        },
      },
    );
    const model = new ScriptedModel([
      {
        toolCalls: [
          { name: "book", arguments: { trip: { nights: 1.5, city: "Paris" } } },
          { name: "book", arguments: { trip: { city: "Oslo" } } },
          { name: "book", arguments: { trip: { nights: 2, city: "Bergen" } } },
        ],
      },
      "done",
    ]);
    await callLLM(null, "Book it.", { model, tools: [book] });
    const results = model.calls[1]!.request.messages.filter((m) => m.role === "tool").map((m) => m.content);
    expect(results[0]).toMatch(
      /"trip.nights" must be integer, got number; "trip.city" must be one of "Oslo", "Bergen"/,
    );
    expect(results[1]).toMatch(/missing required property "trip.nights"/);
    expect(results[2]).toBe("booked");
    expect(booked).toEqual([{ trip: { nights: 2, city: "Bergen" } }]);

    const broken = tool(() => "x", {
      name: "broken",
      description: "Has a broken schema.",
      parameters: { type: "object", properties: { a: { type: "not-a-type" } } },
    });
    const untouched = new ScriptedModel(["never"]);
    await expect(callLLM(null, "q", { model: untouched, tools: [broken] })).rejects.toThrow(
      /callLLM: tool broken: a tool's parameters are not a valid JSON Schema/,
    );
    expect(untouched.calls).toHaveLength(0);
  });

  it("stops after maxSteps model calls and reports finishReason tool_calls", async () => {
    const model = new ScriptedModel(() => ({
      text: "still thinking",
      toolCalls: [{ name: "weather", arguments: { city: "Oslo" } }],
    }));
    const answer = await callLLM(null, "loop", { model, tools: [weatherTool()], maxSteps: 3 });
    expect(model.callCount).toBe(3);
    expect(answer.data).toBe("still thinking");
    expect(answer.info).toMatchObject({ steps: 3, finishReason: "tool_calls" });
    expect(answer.info.toolCalls).toHaveLength(2); // the third answer's calls were not run
    await expect(callLLM(null, "q", { model, tools: [weatherTool()], maxSteps: 0 })).rejects.toThrow(
      RangeError,
    );
  });

  it("backward from the answer reaches a trainable tool description and the tool's code", async () => {
    const description = node("Looks up the price of an item.", {
      trainable: true,
      name: "price_description",
    });
    const price = bundle(
      function price(item: string): number {
        return item.length * 10;
      },
      { trainable: true },
    );
    const model = new ScriptedModel((req) =>
      last(req).role === "tool"
        ? `It costs ${last(req).content}.`
        : { toolCalls: [{ name: "price", arguments: { item: "tea" } }] },
    );
    const answer = await callLLM(null, "Price of tea?", { model, tools: [tool(price, { description })] });
    expect(answer.data).toBe("It costs 30.");
    expect(model.calls[0]!.request.tools![0]).toEqual({
      name: "price",
      description: "Looks up the price of an item.",
      parameters: {
        type: "object",
        properties: { item: {} },
        required: ["item"],
        additionalProperties: false,
      },
    });
    expect(answer.inputs["tools.price.description"]).toBe(description);
    const result = answer.inputs.toolResult0 as MessageNode;
    expect(result.op).toBe("price");
    expect(result.parents).toContain(price.parameter);
    backward(answer, "Tea costs 25.");
    expect(description.feedback.length).toBeGreaterThan(0);
    expect(price.parameter.feedback.length).toBeGreaterThan(0);
  });

  it("a bundled tool takes its name and description from the bundle, overridable", async () => {
    const add = bundle(
      function add(a: number, b: number): number {
        return a + b;
      },
      { description: "Adds two numbers." },
    );
    const t = tool(add);
    expect(t).toMatchObject({ name: "add", description: "Adds two numbers." });
    expect(t.parameters).toMatchObject({ required: ["a", "b"] });
    expect(tool(add, { name: "plus", description: "Sum." })).toMatchObject({
      name: "plus",
      description: "Sum.",
    });
    const model = new ScriptedModel([{ toolCalls: [{ name: "add", arguments: { b: 2, a: 40 } }] }, "42"]);
    await callLLM(null, "q", { model, tools: [t] });
    expect(model.calls[1]!.request.messages.at(-1)!.content).toBe("42"); // positional: add(40, 2)
    expect(() =>
      tool(function echo(x: unknown) {
        return x;
      }),
    ).toThrow(/needs \{ description, parameters \}/);
    expect(() => tool(add, { name: "bad name" })).toThrow(/tool name/);
    // tool() finds the bundle the way bundleOf does (ops/ may not import bundle/ at run time)
    const plus = bundle(function plus(x: number, y: number) {
      return x + y;
    });
    expect(bundleOf(plus)?.definition.name).toBe("plus");
    expect(tool(plus).parameters).toEqual({
      type: "object",
      properties: { x: {}, y: {} },
      required: ["x", "y"],
      additionalProperties: false,
    });
  });

  it("a v1 model refuses tools with InvalidRequestError, through middleware and bare", async () => {
    const v1 = new ScriptedModel(["text"], { specificationVersion: "v1", provider: "old", modelId: "m" });
    const wrapped = wrapModel(v1, responseCache());
    for (const model of [wrapped, v1]) {
      const err = await callLLM(null, "q", { model, tools: [weatherTool()] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ExecutionError);
      expect((err as ExecutionError).cause).toBeInstanceOf(InvalidRequestError);
      expect(String((err as ExecutionError).cause)).toMatch(/contract v1.*tool definitions/);
    }
    expect(v1.callCount).toBe(0);
  });

  it("a cancellation inside a tool ends the run", async () => {
    const cancel = tool(
      () => {
        throw new CancelledError("stopped");
      },
      { name: "slow", description: "Slow.", parameters: { type: "object" } },
    );
    const model = new ScriptedModel([{ toolCalls: [{ name: "slow", arguments: {} }] }, "never"]);
    await expect(callLLM(null, "q", { model, tools: [cancel] })).rejects.toBeInstanceOf(CancelledError);
    expect(model.callCount).toBe(1);
  });

  it("cache keys differ per tool set, and a cached exchange replays its tool calls", async () => {
    const base = new ScriptedModel((req) =>
      last(req).role === "tool"
        ? "answer"
        : { toolCalls: [{ name: "weather", arguments: { city: "Oslo" } }] },
    );
    const model = wrapModel(base, responseCache());
    await callLLM(null, "q", { model, tools: [weatherTool()] });
    await callLLM(null, "q", { model, tools: [weatherTool()] });
    expect(base.callCount).toBe(2); // the second exchange came from the cache, tool calls included
    const m = { provider: "p", modelId: "m" };
    const request = (tools: GenerateRequest["tools"]): GenerateRequest => ({
      messages: [{ role: "user", content: "q" }],
      ...(tools ? { tools } : {}),
    });
    const w = { name: "weather", description: "d", parameters: { type: "object" } };
    const keys = new Set([
      requestCacheKey(m, request(undefined)),
      requestCacheKey(m, request([w])),
      requestCacheKey(m, request([{ ...w, name: "forecast" }])),
      requestCacheKey(m, request([w, { ...w, name: "forecast" }])),
      requestCacheKey(m, request([{ ...w, description: "other" }])),
    ]);
    expect(keys.size).toBe(5);
  });

  it("records nothing inside noTrace but still runs the exchange", async () => {
    const model = new ScriptedModel([
      { toolCalls: [{ name: "weather", arguments: { city: "Rome" } }] },
      "warm",
    ]);
    const answer = await noTrace(() => callLLM(null, "q", { model, tools: [weatherTool()] }));
    expect(answer.data).toBe("warm");
    expect(answer.parents).toEqual([]);
  });
});

describe("callLLM with images", () => {
  const image: ContentPart = { type: "image", url: "data:image/png;base64,iVBORw0KGgo=" };

  it("sends a content-part prompt as one user message with parts, its text as content", async () => {
    const model = new ScriptedModel(["a cat"]);
    const answer = await callLLM("Describe.", [{ type: "text", text: "What is this?" }, image], { model });
    expect(answer.data).toBe("a cat");
    expect(Object.keys(answer.inputs)).toEqual(["system", "user"]);
    expect(model.calls[0]!.request.messages[1]).toEqual({
      role: "user",
      content: "What is this?",
      parts: [{ type: "text", text: "What is this?" }, image],
    });
  });

  it("takes content parts from a node and mixes them with string prompts", async () => {
    const model = new ScriptedModel(["ok"]);
    const picture = node<readonly ContentPart[]>([image]);
    const answer = await callLLM(null, ["first look at this", picture], { model });
    expect(answer.inputs.user1).toBe(picture);
    const messages = model.calls[0]!.request.messages;
    expect(messages[0]).toEqual({ role: "user", content: "first look at this" });
    expect(messages[1]!.parts).toEqual([image]);
  });

  it("a v1 model refuses an image", async () => {
    const v1 = new ScriptedModel(["x"], { specificationVersion: "v1" });
    const err = await callLLM(null, [image], { model: v1 }).catch((e: unknown) => e);
    expect((err as ExecutionError).cause).toBeInstanceOf(InvalidRequestError);
  });
});
