import { describe, expect, it } from "@jest/globals";
import {
  CancelledError,
  createContainer,
  type GenerateRequest,
  graphScope,
  InvalidOptionError,
  NoDefaultLanguageModelError,
  node,
  OptimizerStateError,
  ops,
  RateLimitError,
  registerLanguageModel,
} from "@trace-ts/core";
import { recordOp } from "@trace-ts/core/graph";
import { ScriptedModel } from "@trace-ts/core/testing";
import { OptoPrime, type OptoPrimeDetails, optoPrimeRequestInfo } from "@trace-ts/optoprime";
import { answer } from "./helpers/answers.js";
import { codeParameter, runCode } from "./helpers/graphs.js";

const GREET = 'greet(name) {\n  return "Hola, " + name + "!";\n}';
const GREET_EN = 'greet(name) {\n  return "Hello, " + name + "!";\n}';

/** A code parameter used by one traced call, with feedback sent to its output. */
function codeProblem() {
  const code = codeParameter(GREET);
  const out = recordOp(
    { name: "greet", description: "Greets a person." },
    { __code: code, name: "John" },
    (v) => String(runCode(code, v.name)),
  );
  return { code, out };
}

function details(report: { details?: Readonly<Record<string, unknown>> }): OptoPrimeDetails {
  return report.details as OptoPrimeDetails;
}

describe("OptoPrime.step", () => {
  it("converts each value to its parameter's type and reports before/after", async () => {
    const n = node(1, { trainable: true, name: "n" });
    const flag = node(false, { trainable: true, name: "flag" });
    const list = node([1], { trainable: true, name: "list" });
    const obj = node({ a: 1 }, { trainable: true, name: "conf" });
    const text = node("old", { trainable: true, name: "text" });
    const out = ops.format("{n} {f} {l} {o} {t}", { n, f: flag, l: list, o: obj, t: text });
    const model = new ScriptedModel([
      answer({
        [n.key]: "2.5",
        [flag.key]: "yes",
        [list.key]: "[1, 2, 3]",
        [obj.key]: { a: 2, b: [true] },
        [text.key]: "new",
      }),
    ]);
    const opt = new OptoPrime([n, flag, list, obj, text], { model });
    opt.backward(out, "change everything");
    const report = await opt.step();
    expect(report.error).toBeUndefined();
    expect(n.data).toBe(2.5);
    expect(flag.data).toBe(true);
    expect(list.data).toEqual([1, 2, 3]);
    expect(obj.data).toEqual({ a: 2, b: [true] });
    expect(text.data).toBe("new");
    expect(report.applied.map((a) => [a.key, a.before, a.after])).toEqual([
      [n.key, 1, 2.5],
      [flag.key, false, true],
      [list.key, [1], [1, 2, 3]],
      [obj.key, { a: 1 }, { a: 2, b: [true] }],
      [text.key, "old", "new"],
    ]);
    expect(report.reasoning).toBe("because of the feedback");
    expect(report.optimizer).toBe("OptoPrime");
    expect(report.calls.map((c) => c.messages)).toEqual([model.calls[0]!.request.messages]);
    expect(report.calls[0]!.response).toBe(model.calls[0]!.result!.text);
    expect(model.calls[0]!.request.purpose).toBe("propose");
    expect(report.usage.calls).toBe(1);
    expect(details(report).attempts).toBe(1);
    expect(model.calls[0]!.request.responseFormat).toEqual({ type: "json" });
  });

  it("a value of the wrong type is re-asked, with the problem stated in the same conversation", async () => {
    const n = node(1, { trainable: true, name: "n" });
    const out = ops.add(n, 1);
    const model = new ScriptedModel([answer({ [n.key]: "many" }), answer({ [n.key]: 4 })]);
    const opt = new OptoPrime([n], { model });
    opt.backward(out, "bigger");
    const report = await opt.step();
    expect(n.data).toBe(4);
    expect(model.callCount).toBe(2);
    const retry = model.calls[1]!.request.messages;
    expect(retry.slice(0, 2)).toEqual(model.calls[0]!.request.messages);
    expect(retry[2]).toEqual({ role: "assistant", content: answer({ [n.key]: "many" }) });
    expect(retry[3]!.role).toBe("user");
    expect(retry[3]!.content).toContain(`- ${n.key}: expected a finite number, got many`);
    expect(report.calls.map((c) => c.purpose)).toEqual(["propose", "propose (retry 1)"]);
    expect(details(report).problems).toEqual([[`${n.key}: expected a finite number, got many`]]);
  });

  it("passes temperature and maxTokens, and leaves JSON mode off when asked", async () => {
    const n = node(1, { trainable: true });
    const model = new ScriptedModel([answer({ [n.key]: 2 })]);
    const opt = new OptoPrime([n], { model, temperature: 0.3, maxTokens: 500, jsonMode: false });
    opt.backward(ops.add(n, 1), "bigger");
    await opt.step();
    const request = model.calls[0]!.request;
    expect(request.temperature).toBe(0.3);
    expect(request.maxTokens).toBe(500);
    expect(request.responseFormat).toBeUndefined();
  });

  it("propose({ sample }) passes the sample index on to every request, re-asks included", async () => {
    const n = node(1, { trainable: true });
    const model = new ScriptedModel(["nonsense", answer({ [n.key]: 2 }), answer({ [n.key]: 3 })]);
    const opt = new OptoPrime([n], { model });
    opt.backward(ops.add(n, 1), "bigger");
    const proposal = await opt.propose({ sample: 3 });
    expect(proposal.updates.get(n)).toBe(2);
    await opt.propose();
    expect(model.calls.map((c) => [c.request.purpose, c.request.sample ?? null])).toEqual([
      ["propose", 3],
      ["propose (retry 1)", 3],
      ["propose", null],
    ]);
  });

  it("propose() changes nothing", async () => {
    const n = node(1, { trainable: true });
    const model = new ScriptedModel([answer({ [n.key]: 7 })]);
    const opt = new OptoPrime([n], { model });
    opt.backward(ops.add(n, 1), "bigger");
    const proposal = await opt.propose();
    expect(n.data).toBe(1);
    expect(proposal.updates.get(n)).toBe(7);
    expect(opt.steps).toBe(0);
  });

  it("a code suggestion with a syntax error is re-asked, then applied when fixed", async () => {
    const { code, out } = codeProblem();
    const broken = 'greet(name) {\n  return "Hello, " + name +;\n}';
    const model = new ScriptedModel([answer({ [code.key]: broken }), answer({ [code.key]: GREET_EN })]);
    const opt = new OptoPrime([code], { model });
    opt.backward(out, "Greet in English.");
    const report = await opt.step();
    expect(model.callCount).toBe(2);
    expect(model.calls[1]!.request.messages[3]!.content).toMatch(
      new RegExp(`- ${code.key}: .*Unexpected token`),
    );
    expect(report.error).toBeUndefined();
    expect(code.data).toBe(GREET_EN);
    expect(runCode(code, "John")).toBe("Hello, John!");
  });

  it("after maxRetries unusable answers nothing changes and the report says why", async () => {
    const { code, out } = codeProblem();
    const n = node(1, { trainable: true, name: "n" });
    const out2 = ops.add(n, 1);
    const broken = "greet(name) { return ; ) }";
    const bad = answer({ [code.key]: broken, [n.key]: 5 });
    const model = new ScriptedModel([bad, bad, bad]);
    const opt = new OptoPrime([code, n], { model, maxRetries: 2 });
    opt.backward(out, "Greet in English.");
    opt.backward(out2, "bigger");
    const report = await opt.step();
    expect(model.callCount).toBe(3);
    expect(code.data).toBe(GREET);
    expect(n.data).toBe(1);
    expect(report.applied).toEqual([]);
    expect(report.error).toMatch(
      /^OptoPrime propose: no usable answer after 3 tries; nothing was changed\. Last problems: __code\d+: /,
    );
    expect(report.errorCode).toBe("UNUSABLE_ANSWER");
    expect(details(report).errorCode).toBe("UNUSABLE_ANSWER");
    expect(report.rejected.map((r) => [r.key, r.reason.slice(0, 20)])).toEqual([
      [code.key, expect.any(String)],
      [n.key, "not applied: other v"],
    ]);
    expect(details(report).attempts).toBe(3);
  });

  it("a changed signature is refused by the validator and re-asked", async () => {
    const { code, out } = codeProblem();
    const model = new ScriptedModel([
      answer({ [code.key]: 'greet(name, greeting) {\n  return greeting + ", " + name;\n}' }),
      answer({ [code.key]: GREET_EN }),
    ]);
    const opt = new OptoPrime([code], { model });
    opt.backward(out, "Greet in English.");
    await opt.step();
    expect(model.calls[1]!.request.messages[3]!.content).toMatch(/the signature changed/);
    expect(code.data).toBe(GREET_EN);
  });

  it("maxRetries 0 gives up after one answer", async () => {
    const n = node(1, { trainable: true });
    const model = new ScriptedModel(["I don't know."]);
    const opt = new OptoPrime([n], { model, maxRetries: 0 });
    opt.backward(ops.add(n, 1), "bigger");
    const report = await opt.step();
    expect(model.callCount).toBe(1);
    expect(report.error).toMatch(/no usable answer after 1 try.*no JSON object/);
  });

  it("an unreadable answer is re-asked with what to send", async () => {
    const n = node(1, { trainable: true });
    const model = new ScriptedModel(["", "Let me think.", `Here: ${answer({ [n.key]: 3 })}`]);
    const opt = new OptoPrime([n], { model });
    opt.backward(ops.add(n, 1), "bigger");
    const report = await opt.step();
    expect(n.data).toBe(3);
    expect(model.calls[1]!.request.messages.at(-1)!.content).toContain("- the answer was empty");
    expect(model.calls[2]!.request.messages.at(-1)!.content).toContain("- no JSON object was found");
    expect(model.calls[2]!.request.messages).toHaveLength(6);
    expect(report.calls.map((c) => c.purpose)).toEqual(["propose", "propose (retry 1)", "propose (retry 2)"]);
  });

  it("an answer cut off by the token limit says so in the re-ask", async () => {
    const n = node(1, { trainable: true });
    const model = new ScriptedModel([
      { text: '{"reasoning": "long', finishReason: "length" },
      answer({ [n.key]: 2 }),
    ]);
    const opt = new OptoPrime([n], { model });
    opt.backward(ops.add(n, 1), "bigger");
    await opt.step();
    expect(model.calls[1]!.request.messages.at(-1)!.content).toContain("cut off by the token limit");
  });

  it("unknown keys next to good values are reported but do not block the change", async () => {
    const n = node(1, { trainable: true });
    const model = new ScriptedModel([answer({ [n.key]: 2, int999: 5 })]);
    const opt = new OptoPrime([n], { model });
    opt.backward(ops.add(n, 1), "bigger");
    const report = await opt.step();
    expect(model.callCount).toBe(1);
    expect(n.data).toBe(2);
    expect(report.rejected).toEqual([
      { key: "int999", value: 5, reason: expect.stringContaining("not one of the variables") },
    ]);
  });

  it("only unknown keys: re-asked", async () => {
    const n = node(1, { trainable: true });
    const model = new ScriptedModel([answer({ int999: 5 }), answer({ [n.key]: 2 })]);
    const opt = new OptoPrime([n], { model });
    opt.backward(ops.add(n, 1), "bigger");
    await opt.step();
    expect(model.calls[1]!.request.messages.at(-1)!.content).toContain(
      "- int999: 'int999' is not one of the variables",
    );
    expect(n.data).toBe(2);
  });

  it("keys written as node names are mapped to the variables", async () => {
    const n = node(1, { trainable: true, name: "count" });
    const model = new ScriptedModel([JSON.stringify({ suggestion: { [n.name]: 9 } })]);
    const opt = new OptoPrime([n], { model });
    opt.backward(ops.add(n, 1), "bigger");
    const report = await opt.step();
    expect(n.name).toBe(`count:${n.key.slice(5)}`);
    expect(n.data).toBe(9);
    expect(report.suggestion).toEqual({ [n.key]: 9 });
  });

  it("an empty suggestion is a valid 'no change'", async () => {
    const n = node(1, { trainable: true });
    const model = new ScriptedModel([answer({})]);
    const opt = new OptoPrime([n], { model });
    opt.backward(ops.add(n, 1), "fine");
    const report = await opt.step();
    expect(report).toMatchObject({ applied: [], terminate: false, error: undefined });
    expect(model.callCount).toBe(1);
  });
});

describe("TERMINATE", () => {
  it("TERMINATE with no suggestion ends the step without change or re-ask", async () => {
    const n = node(1, { trainable: true });
    const model = new ScriptedModel([
      JSON.stringify({ reasoning: "Everything is right. TERMINATE", suggestion: {} }),
    ]);
    const opt = new OptoPrime([n], { model });
    opt.backward(ops.add(n, 1), "correct");
    const report = await opt.step();
    expect(report.terminate).toBe(true);
    expect(report.error).toBeUndefined();
    expect(report.applied).toEqual([]);
    expect(model.callCount).toBe(1);
  });

  it("TERMINATE next to a suggestion applies the suggestion", async () => {
    const n = node(1, { trainable: true });
    const model = new ScriptedModel([answer({ [n.key]: 2 }, "One last fix, then TERMINATE.")]);
    const opt = new OptoPrime([n], { model });
    opt.backward(ops.add(n, 1), "almost");
    const report = await opt.step();
    expect(report.terminate).toBe(false);
    expect(n.data).toBe(2);
  });
});

describe("memory", () => {
  it("shows earlier (variables, feedback) from step 2 on, keeps memorySize steps, and saves them", async () => {
    const x = node(1, { trainable: true, name: "x" });
    const model = new ScriptedModel((_req, i) => answer({ [x.key]: i + 2 }));
    const opt = new OptoPrime([x], { model, memorySize: 2 });
    for (let step = 1; step <= 4; step++) {
      opt.zeroFeedback();
      const out = ops.multiply(x, 10);
      opt.backward(out, `step ${step}: the result ${out.data} is too small`);
      await opt.step();
    }
    const prompts = model.prompts;
    expect(prompts[0]).not.toContain("#History");
    expect(prompts[1]).toContain(
      `#History\nValues the variables had at earlier steps, the feedback they earned and what became of the change suggested then, oldest first.\nStep 1:\n${x.key} (number) = 1\nFeedback on `,
    );
    expect(prompts[1]).toContain(`:\nstep 1: the result 10 is too small\nResult: applied (changed ${x.key})`);
    expect(prompts[3]).not.toContain("Step 1:");
    expect(prompts[3]).toMatch(/Step 2:[\s\S]*= 2\n[\s\S]*Step 3:[\s\S]*= 3\n/);
    expect(details(await lastReport(opt, x, model)).memoryShown).toBe(2);

    const state = JSON.parse(JSON.stringify(opt.state()));
    const restored = new OptoPrime([x], { model, memorySize: 2 });
    restored.loadState(state);
    expect(restored.memory).toEqual(opt.memory);
    expect(restored.steps).toBe(opt.steps);
    expect(() => restored.loadState({ ...state, data: { memory: [{ step: "x" }] } })).toThrow(
      OptimizerStateError,
    );
  });

  it("is off by default", async () => {
    const x = node(1, { trainable: true });
    const model = new ScriptedModel([answer({ [x.key]: 2 }), answer({ [x.key]: 3 })]);
    const off = new OptoPrime([x], { model });
    off.backward(ops.add(x, 1), "bigger");
    await off.step();
    off.zeroFeedback();
    off.backward(ops.add(x, 1), "bigger");
    await off.step();
    expect(model.prompts[1]).not.toContain("#History");
    expect(off.memory).toEqual([]);
  });

  it("remembers a step whose answer was unusable, and the next #History shows it as refused", async () => {
    const x = node(1, { trainable: true, name: "x" });
    const model = new ScriptedModel(["no idea", answer({ [x.key]: 5 })]);
    const opt = new OptoPrime([x], { model, memorySize: 3, maxRetries: 0 });
    opt.backward(ops.multiply(x, 10), "the result 10 is too small");
    const failed = await opt.step();
    expect(failed.errorCode).toBe("UNUSABLE_ANSWER");
    expect(x.data).toBe(1);
    expect(opt.memory).toHaveLength(1);
    expect(opt.memory[0]).toMatchObject({
      step: 1,
      variables: [{ key: x.key, type: "number", text: "1" }],
      feedback: [{ text: "the result 10 is too small" }],
      outcome: { status: "refused" },
    });
    expect(opt.memory[0]!.outcome!.detail).toBe(failed.error);

    opt.zeroFeedback();
    opt.backward(ops.multiply(x, 10), "still too small");
    const next = await opt.step();
    expect(x.data).toBe(5);
    expect(details(next).memoryShown).toBe(1);
    const history = model.prompts[1]!.slice(model.prompts[1]!.indexOf("#History"));
    expect(history).toContain(`Step 1:\n${x.key} (number) = 1\nFeedback on `);
    expect(history).toContain(`the result 10 is too small\nResult: refused (${failed.error}`);
  });

  it("remembers unchanged, vetoed and failed steps with what happened", async () => {
    const x = node(1, { trainable: true, name: "x" });
    const answers = [
      answer({}), // usable, no new value
      answer({ [x.key]: 7 }), // vetoed below
      new RateLimitError("slow down", { provider: "scripted" }),
      answer({ [x.key]: 2 }, "TERMINATE"),
    ];
    const model = new ScriptedModel(answers);
    const opt = new OptoPrime([x], {
      model,
      memorySize: 4,
      maxRetries: 0,
      approve: (change) => change.after !== 7 || { approved: false, reason: "7 is unlucky" },
    });
    for (let i = 0; i < 4; i++) {
      opt.zeroFeedback();
      opt.backward(ops.add(x, 1), `round ${i + 1}`);
      await opt.step();
    }
    expect(opt.memory.map((m) => m.outcome?.status)).toEqual(["unchanged", "refused", "failed", "applied"]);
    expect(opt.memory[0]!.outcome!.detail).toBe("the answer suggested no new value");
    expect(opt.memory[1]!.outcome!.detail).toMatch(
      new RegExp(`^${x.key}: vetoed by the approval hook: 7 is unlucky`),
    );
    expect(opt.memory[2]!.outcome!.detail).toMatch(/slow down/);
    expect(opt.memory[3]!.outcome!.detail).toBe(`changed ${x.key}`);
    const history = model.prompts[3]!;
    expect(history).toContain("Result: no change (the answer suggested no new value)");
    expect(history).toContain("Result: refused (");
    expect(history).toContain("Result: failed (");
  });

  it("a step without feedback is not remembered", async () => {
    const x = node(1, { trainable: true });
    const model = new ScriptedModel([]);
    const opt = new OptoPrime([x], { model, memorySize: 2 });
    const report = await opt.step();
    expect(report.error).toBeDefined();
    expect(opt.memory).toEqual([]);
  });

  it("loads state saved before outcomes were recorded; their blocks have no result line", async () => {
    const x = node(1, { trainable: true, name: "x" });
    const model = new ScriptedModel(() => answer({ [x.key]: 3 }));
    const opt = new OptoPrime([x], { model, memorySize: 2 });
    const old = {
      step: 4,
      variables: [{ key: x.key, type: "number", text: "0" }],
      feedback: [{ key: "add0", text: "far too small" }],
    };
    opt.loadState({
      format: "trace-ts/optimizer",
      version: 1,
      optimizer: "OptoPrime",
      step: 4,
      data: { memory: [old] },
    });
    expect(opt.memory).toEqual([old]);
    opt.backward(ops.add(x, 1), "bigger");
    await opt.step();
    expect(model.prompts[0]).toContain(
      `Step 4:\n${x.key} (number) = 0\nFeedback on add0:\nfar too small\n\n`,
    );
    expect(model.prompts[0]).not.toContain("Result:");
    expect(opt.memory[1]!.outcome).toEqual({ status: "applied", detail: `changed ${x.key}` });
    const bad = { ...old, outcome: { status: "maybe" } };
    expect(() => opt.loadState({ ...opt.state(), data: { memory: [bad] } })).toThrow(OptimizerStateError);
  });
});

async function lastReport(opt: OptoPrime, x: ReturnType<typeof node<number>>, _model: ScriptedModel) {
  opt.zeroFeedback();
  opt.backward(ops.multiply(x, 10), "again");
  return opt.step();
}

describe("model errors and cancellation", () => {
  it("a model error is reported, parameters stay, step() does not throw", async () => {
    const n = node(1, { trainable: true });
    const model = new ScriptedModel([new RateLimitError("slow down", { provider: "scripted" })]);
    const opt = new OptoPrime([n], { model });
    opt.backward(ops.add(n, 1), "bigger");
    const report = await opt.step();
    expect(report.error).toMatch(/^OptoPrime propose: the model call failed: RateLimitError: slow down\. /);
    expect(report.errorCode).toBe("LLM_RATE_LIMIT");
    expect(details(report).errorCode).toBe("LLM_RATE_LIMIT");
    expect(report.calls[0]!.error).toMatch(/RateLimitError/);
    expect(report.applied).toEqual([]);
    expect(n.data).toBe(1);
  });

  it("a model error during a re-ask is reported the same way", async () => {
    const n = node(1, { trainable: true });
    const model = new ScriptedModel(["nonsense"]);
    const opt = new OptoPrime([n], { model });
    opt.backward(ops.add(n, 1), "bigger");
    const report = await opt.step();
    expect(report.error).toMatch(/the model call failed: ScriptExhaustedError/);
    expect(details(report).errorCode).toBe("SCRIPT_EXHAUSTED");
    expect(details(report).problems).toHaveLength(1);
  });

  it("an aborted signal throws CancelledError, before or during the call", async () => {
    const n = node(1, { trainable: true });
    const model = new ScriptedModel([answer({ [n.key]: 2 })], { latencyMs: 10_000 });
    const opt = new OptoPrime([n], { model });
    opt.backward(ops.add(n, 1), "bigger");
    const before = new AbortController();
    before.abort();
    await expect(opt.step({ signal: before.signal })).rejects.toBeInstanceOf(CancelledError);
    expect(model.callCount).toBe(0);
    const during = new AbortController();
    const pending = opt.step({ signal: during.signal });
    setTimeout(() => during.abort(new Error("user stop")), 5);
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
    expect(n.data).toBe(1);
    expect(opt.steps).toBe(0);
  });
});

describe("configuration", () => {
  it("builds without a model and finds the container's default model at the first step", async () => {
    const n = node(1, { trainable: true });
    const container = createContainer();
    const opt = new OptoPrime([n], { container });
    opt.backward(ops.add(n, 1), "bigger");
    await expect(opt.step()).rejects.toBeInstanceOf(NoDefaultLanguageModelError);
    const model = new ScriptedModel([answer({ [n.key]: 5 })]);
    registerLanguageModel(container, model);
    await opt.step();
    expect(n.data).toBe(5);
  });

  it("no feedback: an explanatory error and no model call", async () => {
    const n = node(1, { trainable: true });
    const model = new ScriptedModel([]);
    const report = await new OptoPrime([n], { model }).step();
    expect(report.error).toMatch(/no feedback reached the parameters: .*backward/);
    expect(model.callCount).toBe(0);
  });

  it("rejects unknown and out-of-range options", () => {
    const n = node(1, { trainable: true });
    expect(() => new OptoPrime([n], { memorySize: -1 })).toThrow(/memorySize' must be at least 0/);
    expect(() => new OptoPrime([n], { promptTokenBudget: 50 })).toThrow(InvalidOptionError);
    expect(() => new OptoPrime([n], { memmorySize: 2 } as never)).toThrow(InvalidOptionError);
    expect(() => new OptoPrime([n], { maxRetries: -1 })).toThrow(/maxRetries' must be at least 0/);
    expect(() => new OptoPrime([n], { valueCharBudget: 0 })).toThrow(InvalidOptionError);
    expect(() => new OptoPrime([n], { objective: " " })).toThrow(/must not be empty/);
    expect(() => new OptoPrime([n], { model: {} as never })).toThrow(/LanguageModel/);
  });

  it("exposes the resolved options as settings", () => {
    const n = node(1, { trainable: true });
    const opt = new OptoPrime([n], { memorySize: 2, temperature: 0.5 });
    expect(opt.settings).toMatchObject({
      memorySize: 2,
      temperature: 0.5,
      maxRetries: 2,
      valueCharBudget: 2000,
      promptTokenBudget: 32_000,
      jsonMode: true,
      verbose: false,
    });
    expect(opt.settings.objective).toMatch(/^Change the values in #Variables/);
  });

  it("verbose prints the prompt and the response to log; quiet prints nothing", async () => {
    const n = node(1, { trainable: true });
    const lines: string[] = [];
    const model = new ScriptedModel([answer({ [n.key]: 2 }), answer({ [n.key]: 3 })]);
    const loud = new OptoPrime([n], { model, verbose: true, log: (m) => lines.push(m) });
    loud.backward(ops.add(n, 1), "bigger");
    await loud.step();
    expect(lines[0]).toMatch(/^\[OptoPrime\] prompt \(propose\):\n--- system ---\nYou improve a program/);
    expect(lines[0]).toContain("--- user ---\n#Instruction");
    expect(lines[1]).toBe(`[OptoPrime] response (propose):\n${answer({ [n.key]: 2 })}`);
    const quiet: string[] = [];
    const q = new OptoPrime([n], { model, log: (m) => quiet.push(m) });
    q.backward(ops.add(n, 1), "bigger");
    await q.step();
    expect(quiet).toEqual([]);
  });

  it("names in a graph scope and the report's keys agree", async () => {
    const { x, out } = graphScope(() => {
      const x = node(2, { trainable: true, name: "x" });
      return { x, out: ops.add(x, 1) };
    });
    const model = new ScriptedModel([answer({ x0: 4 })]);
    const opt = new OptoPrime([x], { model });
    opt.backward(out, "bigger");
    const report = await opt.step();
    expect(report.applied.map((a) => a.key)).toEqual(["x0"]);
  });
});

describe("optoPrimeRequestInfo", () => {
  const request = (purpose?: string): GenerateRequest => ({
    messages: [{ role: "user", content: "x" }],
    ...(purpose === undefined ? {} : { purpose }),
  });
  it("reads the purpose, re-asks included, and ignores other optimizers' requests", () => {
    expect(
      ["propose", "propose (retry 2)", "candidate 3", "candidate 1 (retry 1)", "select"].map((p) =>
        optoPrimeRequestInfo(request(p)),
      ),
    ).toEqual([
      { kind: "propose", retry: 0 },
      { kind: "propose", retry: 2 },
      { kind: "candidate", index: 3, retry: 0 },
      { kind: "candidate", index: 1, retry: 1 },
      { kind: "select", retry: 0 },
    ]);
    expect(
      [undefined, "propose solution", "gradient a0 -> b0", "proposer"].map((p) =>
        optoPrimeRequestInfo(request(p)),
      ),
    ).toEqual([undefined, undefined, undefined, undefined]);
  });

  it("matches what OptoPrime actually sends", async () => {
    const x = node(1, { trainable: true, name: "x" });
    const model = new ScriptedModel(["not json", JSON.stringify({ suggestion: { [x.key]: 2 } })]);
    const optimizer = new OptoPrime([x], { model });
    optimizer.backward(ops.add(x, 1), "bigger");
    await optimizer.step();
    expect(model.calls.map((c) => optoPrimeRequestInfo(c.request))).toEqual([
      { kind: "propose", retry: 0 },
      { kind: "propose", retry: 1 },
    ]);
  });
});
