/**
 * The adapter with LangChain's own fake chat models (`FakeListChatModel`, `FakeChatModel`) and a
 * small recording model that supports `bindTools`: message conversion, tools, results, errors,
 * cancellation, the middleware and an optimizer through the adapter.
 */
import { describe, expect, it } from "@jest/globals";
import { AIMessage, HumanMessage, SystemMessage, ToolMessage } from "@langchain/core/messages";
import { FakeChatModel, FakeListChatModel } from "@langchain/core/utils/testing";
import {
  CancelledError,
  callLLM,
  InvalidRequestError,
  LLMTimeoutError,
  node,
  ops,
  ProviderError,
  UsageTracker,
  withDefaults,
} from "@trace-ts/core";
import { assistantToolCallMessage, toolResultMessage, userMessage } from "@trace-ts/core/llm";
import { fromLangChain, LangChainChatModel, toLangChainToolChoice } from "@trace-ts/langchain";
import { OptoPrime } from "@trace-ts/optoprime";
import { RecordingChatModel } from "./recording-model.js";

const weather = {
  name: "get_weather",
  description: "Current weather of a city",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

describe("fromLangChain with FakeListChatModel", () => {
  it("answers with the fake's text, names the provider after _llmType and follows contract v2", async () => {
    const model = fromLangChain(new FakeListChatModel({ responses: ["first", "second"] }));
    expect(model).toBeInstanceOf(LangChainChatModel);
    expect(model.specificationVersion).toBe("v2");
    expect(model.provider).toBe("fake-list");
    expect(model.modelId).toBe("fake-list");
    const a = await model.generate({ messages: [{ role: "user", content: "hi" }] });
    const b = await model.generate({ messages: [{ role: "user", content: "again" }] });
    expect([a.text, b.text]).toEqual(["first", "second"]);
    expect(a.finishReason).toBe("stop");
    expect(a.usage).toEqual({ inputTokens: 0, outputTokens: 0 });
    expect(a.toolCalls).toBeUndefined();
    expect(a.model).toBe("fake-list");
  });

  it("takes provider and model id from the options", () => {
    const model = fromLangChain(new FakeListChatModel({ responses: ["x"] }), {
      provider: "mine",
      modelId: "m-1",
    });
    expect([model.provider, model.modelId]).toEqual(["mine", "m-1"]);
  });

  it("works through callLLM, withDefaults and a usage tracker", async () => {
    const tracker = new UsageTracker();
    const model = withDefaults(fromLangChain(new FakeListChatModel({ responses: ["Paris"] })), {
      cache: true,
      usage: tracker,
    });
    expect(model.specificationVersion).toBe("v2");
    const system = node("Answer in one word.", { trainable: true });
    const first = await callLLM(system, "Capital of France?", { model });
    const second = await callLLM(system, "Capital of France?", { model });
    expect([first.data, second.data]).toEqual(["Paris", "Paris"]);
    expect(first.parents.map((p) => p.data)).toEqual(["Answer in one word.", "Capital of France?"]);
    expect(tracker.totals()).toMatchObject({ calls: 2, cachedCalls: 1 });
  });

  it("maps a thrown error to a non-retryable ProviderError that keeps it as the cause", async () => {
    const model = fromLangChain(new FakeListChatModel({ responses: ["x"] }), {
      callOptions: () => ({ thrownErrorString: "the fake broke" }),
    });
    const error = await model
      .generate({ messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).retryable).toBe(false);
    expect((error as ProviderError).message).toContain("the fake broke");
    expect((error as ProviderError).message).toContain("fake-list:fake-list");
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it("rejects with CancelledError when the caller aborts, before or during the call", async () => {
    const model = fromLangChain(new FakeListChatModel({ responses: ["slow"], sleep: 1_000 }));
    const before = new AbortController();
    before.abort(new Error("not needed"));
    await expect(
      model.generate({ messages: [{ role: "user", content: "hi" }], signal: before.signal }),
    ).rejects.toBeInstanceOf(CancelledError);
    const during = new AbortController();
    const pending = model.generate({ messages: [{ role: "user", content: "hi" }], signal: during.signal });
    during.abort(new Error("user pressed stop"));
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as CancelledError).cause).toEqual(new Error("user pressed stop"));
  });

  it("rejects with LLMTimeoutError when the time limit passes", async () => {
    const model = fromLangChain(new FakeListChatModel({ responses: ["slow"], sleep: 1_000 }), {
      timeoutMs: 20,
    });
    await expect(model.generate({ messages: [{ role: "user", content: "hi" }] })).rejects.toBeInstanceOf(
      LLMTimeoutError,
    );
  });

  it("lets OptoPrime rewrite a parameter through the adapter (scripted JSON answers)", async () => {
    const x = node(1, { trainable: true });
    const answer = JSON.stringify({
      reasoning: "The feedback asks for more.",
      answer: "",
      suggestion: { [x.key]: 6 },
    });
    const fake = new FakeListChatModel({ responses: [answer] });
    const optimizer = new OptoPrime([x], { model: withDefaults(fromLangChain(fake), { retry: false }) });
    optimizer.zeroFeedback();
    optimizer.backward(ops.add(x, 1), "The output should be 7.");
    await optimizer.step();
    expect(x.data).toBe(6);
  });
});

describe("fromLangChain with FakeChatModel (no bindTools)", () => {
  it("sends the conversation as LangChain messages (FakeChatModel echoes their contents)", async () => {
    const model = fromLangChain(new FakeChatModel({}));
    const r = await model.generate({
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
      ],
    });
    expect(r.text).toBe("Be brief.\nHi");
  });

  it("refuses tools with InvalidRequestError and sends nothing", async () => {
    const model = fromLangChain(new FakeChatModel({}));
    const error = await model
      .generate({ messages: [{ role: "user", content: "weather?" }], tools: [weather] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).message).toContain("bindTools");
  });
});

describe("fromLangChain with a model that binds tools", () => {
  it("converts every kind of message: system, text and image parts, tool calls, tool results", async () => {
    const recording = new RecordingChatModel([new AIMessage("It is sunny.")]);
    const model = fromLangChain(recording);
    const call = { id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' };
    const bad = { id: "call_2", name: "get_weather", arguments: "{not json" };
    await model.generate({
      messages: [
        { role: "system", content: "Be brief." },
        userMessage("What is here?", { type: "image", url: "data:image/png;base64,iVBORw0KGgo=" }),
        assistantToolCallMessage("", [call, bad]),
        toolResultMessage(call, "18 °C, sunny"),
        { role: "assistant", content: "Anything else?" },
      ],
    });
    const [system, user, assistant, tool, last] = recording.calls[0]!.messages;
    expect(system).toBeInstanceOf(SystemMessage);
    expect(system!.content).toBe("Be brief.");
    expect(user).toBeInstanceOf(HumanMessage);
    expect(user!.content).toEqual([
      { type: "text", text: "What is here?" },
      { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
    ]);
    expect(assistant).toBeInstanceOf(AIMessage);
    expect((assistant as AIMessage).tool_calls).toEqual([
      { type: "tool_call", id: "call_1", name: "get_weather", args: { city: "Paris" } },
    ]);
    expect((assistant as AIMessage).invalid_tool_calls).toEqual([
      expect.objectContaining({ id: "call_2", name: "get_weather", args: "{not json" }),
    ]);
    expect(tool).toBeInstanceOf(ToolMessage);
    expect((tool as ToolMessage).tool_call_id).toBe("call_1");
    expect((tool as ToolMessage).name).toBe("get_weather");
    expect(tool!.content).toBe("18 °C, sunny");
    expect(last).toBeInstanceOf(AIMessage);
    expect(last!.content).toBe("Anything else?");
  });

  it("refuses a tool message without its call id", async () => {
    const model = fromLangChain(new RecordingChatModel([new AIMessage("x")]));
    await expect(model.generate({ messages: [{ role: "tool", content: "18 °C" }] })).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
  });

  it("binds tools in OpenAI format with the tool choice, and maps the tool calls back", async () => {
    const recording = new RecordingChatModel([
      new AIMessage({
        content: "",
        tool_calls: [{ type: "tool_call", id: "call_9", name: "get_weather", args: { city: "Oslo" } }],
        response_metadata: { finish_reason: "tool_calls", model_name: "recording-1-2025" },
        usage_metadata: {
          input_tokens: 120,
          output_tokens: 9,
          total_tokens: 129,
          input_token_details: { cache_read: 100 },
        },
      }),
    ]);
    const model = fromLangChain(recording);
    const r = await model.generate({
      messages: [{ role: "user", content: "Weather in Oslo?" }],
      tools: [weather],
      toolChoice: "required",
    });
    const options = recording.calls[0]!.options;
    expect(options.tools).toEqual([
      {
        type: "function",
        function: { name: weather.name, description: weather.description, parameters: weather.parameters },
      },
    ]);
    expect(options.tool_choice).toBe("any");
    expect(options.maxRetries).toBe(0);
    expect(r.toolCalls).toEqual([{ id: "call_9", name: "get_weather", arguments: '{"city":"Oslo"}' }]);
    expect(r.finishReason).toBe("tool_calls");
    expect(r.text).toBe("");
    expect(r.usage).toEqual({ inputTokens: 20, outputTokens: 9, cacheReadTokens: 100 });
    expect(r.model).toBe("recording-1-2025");
    expect(model.modelId).toBe("recording-1");
  });

  it("maps text blocks, Anthropic-style stop reasons and invalid tool calls", async () => {
    const recording = new RecordingChatModel([
      new AIMessage({
        content: [
          { type: "text", text: "Part one. " },
          { type: "text", text: "Part two." },
        ],
        invalid_tool_calls: [
          { type: "invalid_tool_call", id: "t1", name: "get_weather", args: "{oops", error: "bad" },
        ],
        response_metadata: { stop_reason: "max_tokens", model: "claude-x" },
        usage_metadata: {
          input_tokens: 50,
          output_tokens: 5,
          total_tokens: 55,
          input_token_details: { cache_read: 10, cache_creation: 30 },
        },
      }),
    ]);
    const r = await fromLangChain(recording).generate({ messages: [{ role: "user", content: "go" }] });
    expect(r.text).toBe("Part one. Part two.");
    expect(r.finishReason).toBe("length");
    expect(r.toolCalls).toEqual([{ id: "t1", name: "get_weather", arguments: "{oops" }]);
    expect(r.usage).toEqual({ inputTokens: 10, outputTokens: 5, cacheReadTokens: 10, cacheWriteTokens: 30 });
    expect(r.model).toBe("claude-x");
  });

  it("passes callOptions and leaves maxRetries to the model with maxRetries: null", async () => {
    const recording = new RecordingChatModel([new AIMessage("ok")]);
    const model = fromLangChain(recording, {
      maxRetries: null,
      callOptions: (request) => ({ stop: [`#${request.maxTokens}`] }),
    });
    await model.generate({ messages: [{ role: "user", content: "go" }], maxTokens: 5, seed: 3 });
    expect(recording.calls[0]!.options).toMatchObject({ stop: ["#5"] });
    expect(recording.calls[0]!.options).not.toHaveProperty("maxRetries");
    expect(recording.calls[0]!.options).not.toHaveProperty("seed"); // only OpenAI models get seed
  });

  it("maps every tool choice", () => {
    expect(["auto", "none", "required"].map((c) => toLangChainToolChoice(c as "auto"))).toEqual([
      "auto",
      "none",
      "any",
    ]);
    expect(toLangChainToolChoice({ tool: "get_weather" })).toBe("get_weather");
  });
});
