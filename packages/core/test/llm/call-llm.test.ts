import { describe, expect, it } from "@jest/globals";
import {
  callLLM,
  createContainer,
  ExceptionNode,
  ExecutionError,
  InvalidRequestError,
  MessageNode,
  NoDefaultLanguageModelError,
  node,
  noTrace,
  ParameterNode,
  RateLimitError,
  registerLanguageModel,
} from "@trace-ts/core";
import { CALL_LLM_OP } from "@trace-ts/core/graph";
import { ScriptedModel } from "@trace-ts/core/testing";

describe("callLLM", () => {
  it("returns a MessageNode whose parents are the prompt nodes", async () => {
    const model = new ScriptedModel(["4"], { modelId: "m" });
    const system = node("You answer with a number.", { trainable: true, name: "system_prompt" });
    const question = node("What is 2+2?", { name: "question" });
    const answer = await callLLM(system, question, { model, maxTokens: 5, temperature: 0 });
    expect(answer).toBeInstanceOf(MessageNode);
    expect(answer.data).toBe("4");
    expect(answer.op).toBe(CALL_LLM_OP);
    expect(answer.parents).toEqual([system, question]);
    expect(answer.inputs).toEqual({ system, user: question });
    expect(answer.description).toMatch(/system prompt system and the user prompt user/);
    expect(answer.info).toMatchObject({ model: "scripted:m", finishReason: "stop", cached: false });
    expect(system).toBeInstanceOf(ParameterNode);
    expect(system.children).toContain(answer);
    // the request the model saw
    expect(model.calls[0]!.request).toMatchObject({
      messages: [
        { role: "system", content: "You answer with a number." },
        { role: "user", content: "What is 2+2?" },
      ],
      maxTokens: 5,
      temperature: 0,
    });
  });

  it("wraps string prompts in constant nodes and supports several user prompts", async () => {
    const model = new ScriptedModel(["ok"]);
    const u1 = node("part one");
    const answer = await callLLM("sys", [u1, "part two"], { model, name: "agent_step" });
    expect(Object.keys(answer.inputs)).toEqual(["system", "user0", "user1"]);
    expect(answer.inputs.user0).toBe(u1);
    expect(answer.inputs.system!.data).toBe("sys");
    expect(answer.inputs.user1!.isRoot).toBe(true);
    expect(answer.name.startsWith("agent_step")).toBe(true);
    expect(model.calls[0]!.request.messages.map((m) => m.role)).toEqual(["system", "user", "user"]);
  });

  it("works without a system prompt", async () => {
    const model = new ScriptedModel(["ok"]);
    const answer = await callLLM(undefined, "just a question", { model });
    expect(Object.keys(answer.inputs)).toEqual(["user"]);
    expect(model.calls[0]!.request.messages).toEqual([{ role: "user", content: "just a question" }]);
  });

  it("records a failure about the request as an ExceptionNode and throws ExecutionError", async () => {
    const model = new ScriptedModel([
      new InvalidRequestError("the prompt is longer than the context window"),
    ]);
    const prompt = node("p", { trainable: true });
    const err = await callLLM("sys", prompt, { model }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecutionError);
    const ex = (err as ExecutionError).exceptionNode;
    expect(ex).toBeInstanceOf(ExceptionNode);
    expect(ex.op).toBe("callLLM");
    expect(ex.parents).toContain(prompt);
    expect((err as ExecutionError).cause).toBeInstanceOf(InvalidRequestError);
    expect(ex.data).toMatch(/InvalidRequestError: the prompt is longer/);
  });

  it("rethrows a model outage as it is: it is not feedback about the agent", async () => {
    const model = new ScriptedModel([new RateLimitError("slow down")]);
    const err = await callLLM("sys", node("p", { trainable: true }), { model }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).stopsRun).toBe("outage");
  });

  it("uses the default model of the container", async () => {
    const container = createContainer();
    const model = new ScriptedModel(["from container"]);
    registerLanguageModel(container, model);
    expect((await callLLM("s", "u", { container })).data).toBe("from container");
    const empty = createContainer();
    const err = await callLLM("s", "u", { container: empty }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoDefaultLanguageModelError); // a configuration problem ends the run
  });

  it("records no parents inside noTrace", async () => {
    const model = new ScriptedModel(["x"]);
    const p = node("p");
    const out = await noTrace(() => callLLM("s", p, { model }));
    expect(out.parents).toEqual([]);
  });

  it("rejects non-string prompts and unknown options", async () => {
    const model = new ScriptedModel(["x"]);
    await expect(callLLM("s", node(42) as never, { model })).rejects.toThrow(/user prompt must be a string/);
    await expect(callLLM("s", "u", { model, maxToken: 3 } as never)).rejects.toThrow(/not a known option/);
    expect(model.callCount).toBe(0);
  });
});
