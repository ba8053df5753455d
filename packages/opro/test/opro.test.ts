import { describe, expect, it } from "@jest/globals";
import { type Feedback, graphScope, node, ops, type ParameterNode } from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import { Opro, type OproDetails, type OproOptions, parseSolution, valueBlock } from "@trace-ts/opro";

/** A model that proposes x = 1, 2, 3, … in turn. */
function counting(key: () => string) {
  let n = 0;
  return new ScriptedModel(() => `Next.\n${valueBlock(key(), String(++n))}`);
}

/** Runs `feedbacks.length` steps of out = x * 10 with the given feedback per step. */
async function run(feedbacks: Feedback[], options: OproOptions = {}) {
  const x = node(0, { trainable: true, name: "x" });
  const model = counting(() => x.key);
  const optimizer = new Opro([x], { model, ...options });
  const reports = [];
  for (const f of feedbacks) {
    optimizer.zeroFeedback();
    optimizer.backward(ops.multiply(x, 10), f);
    reports.push(await optimizer.step());
  }
  return { x, model, optimizer, reports };
}

const userPrompt = (model: ScriptedModel, i: number) => model.prompts[i]!;
const solutionOrder = (prompt: string) =>
  [...prompt.matchAll(/### Solution \d+: (?:score ([\d.-]+)|no score) \(step (\d+)/g)].map((m) =>
    Number(m[2]),
  );

describe("Opro", () => {
  it("records each evaluated solution and shows the history best first", async () => {
    const { x, model, optimizer, reports } = await run([0.2, 0.9, 0.5, 0.1]);
    expect(x.data).toBe(4);
    expect(optimizer.history.map((e) => [e.step, e.values[x.key], e.score])).toEqual([
      [1, 0, 0.2],
      [2, 1, 0.9],
      [3, 2, 0.5],
      [4, 3, 0.1],
    ]);
    expect(solutionOrder(userPrompt(model, 0))).toEqual([1]);
    expect(solutionOrder(userPrompt(model, 3))).toEqual([2, 3, 1, 4]);
    expect(userPrompt(model, 3)).toContain("### Solution 4: score 0.1 (step 4, the current values)");
    expect(reports[3]!.details).toMatchObject({
      historySize: 4,
      shown: 4,
      omitted: 0,
      currentScore: 0.1,
      bestScore: 0.9,
    });
  });

  it("minimize puts the lowest score first", async () => {
    const { model } = await run([0.2, 0.9, 0.5], { direction: "minimize" });
    expect(solutionOrder(userPrompt(model, 2))).toEqual([1, 3, 2]);
    expect(userPrompt(model, 2)).toContain("lower scores are better");
  });

  it("reads scores from a score field (number or numeric text) and shows the rest as text", async () => {
    const { optimizer, model } = await run([
      { score: 0.4, feedback: "too formal" },
      { score: "0.7", feedback: "better" },
      { feedback: "no score here" },
    ]);
    expect(optimizer.history.map((e) => e.score)).toEqual([0.4, 0.7, undefined]);
    expect(userPrompt(model, 2)).toContain("- on ");
    expect(userPrompt(model, 2)).toMatch(/\(score 0\.4\): too formal/);
    expect(solutionOrder(userPrompt(model, 2))).toEqual([2, 1, 3]);
  });

  it("uses scoreOf when given, and orders text-only feedback newest first", async () => {
    const byLength = await run(["aaa", "a", "aaaaa"], { scoreOf: (f) => String(f).length });
    expect(byLength.optimizer.history.map((e) => e.score)).toEqual([3, 1, 5]);
    const textOnly = await run(["first", "second", "third"]);
    expect(textOnly.optimizer.history.every((e) => e.score === undefined)).toBe(true);
    expect(solutionOrder(userPrompt(textOnly.model, 2))).toEqual([3, 2, 1]);
  });

  it("a mean over several outputs; each output's feedback is shown", async () => {
    const x = node(1, { trainable: true, name: "x" });
    const model = counting(() => x.key);
    const optimizer = new Opro([x], { model });
    optimizer.backward(ops.multiply(x, 2), { score: 1, feedback: "FIRST" });
    optimizer.backward(ops.add(x, 2), { score: 0, feedback: "SECOND" });
    optimizer.backward(ops.subtract(x, 2), "THIRD, without a score");
    await optimizer.step();
    expect(optimizer.history[0]!.score).toBe(0.5);
    for (const text of ["FIRST", "SECOND", "THIRD, without a score"])
      expect(model.prompts[0]).toContain(text);
  });

  it("shows values and judgements only, not the graph", async () => {
    const { model } = await run([0.5]);
    expect(userPrompt(model, 0)).not.toMatch(/multiply|= \w+\(/);
  });

  it("does not record the same evaluation twice when step() runs again without new feedback", async () => {
    const x = node(0, { trainable: true, name: "x" });
    const model = counting(() => x.key);
    const optimizer = new Opro([x], { model });
    optimizer.backward(ops.multiply(x, 10), 0.5);
    await optimizer.step();
    await optimizer.step();
    expect(optimizer.history).toHaveLength(1);
    expect(userPrompt(model, 1)).not.toContain("the current values");
  });

  it("records the evaluation even when no solution could be proposed", async () => {
    const x = node(0, { trainable: true, name: "x" });
    const optimizer = new Opro([x], { model: new ScriptedModel(() => new Error("down")) });
    optimizer.backward(ops.multiply(x, 10), 0.5);
    const report = await optimizer.step();
    expect(report.error).toMatch(/the model call failed: Error: down/);
    expect(optimizer.history.map((e) => e.score)).toEqual([0.5]);
  });

  it("keeps the prompt within the history budget however long the run", async () => {
    const s = node("start", { trainable: true, name: "s" });
    let n = 0;
    const model = new ScriptedModel(() => valueBlock(s.key, `${"long text ".repeat(40)}${++n}`));
    const optimizer = new Opro([s], { model, historyCharBudget: 3000, historySize: 100 });
    let details: OproDetails | undefined;
    for (let i = 0; i < 60; i++) {
      optimizer.zeroFeedback();
      optimizer.backward(ops.concat(s, "!"), { score: i % 7, feedback: `round ${i}` });
      details = (await optimizer.step()).details as OproDetails;
    }
    expect(optimizer.history).toHaveLength(60);
    expect(details!.historySize).toBe(60);
    expect(details!.omitted).toBeGreaterThan(40);
    const history = model.prompts.at(-1)!.split("## Earlier solutions")[1]!.split("## Your answer")[0]!;
    expect(history.length).toBeLessThan(3000 + 200);
    // best first: every shown solution has the top score 6
    expect([...history.matchAll(/score (\d+) \(step/g)].every((m) => m[1] === "6")).toBe(true);
  });

  it("keeps at most historySize solutions, and the history is part of state()", async () => {
    const { optimizer } = await run([1, 5, 3, 4, 2], { historySize: 3 });
    expect(optimizer.rankedHistory().map((e) => e.score)).toEqual([5, 4, 3]);
    const state = JSON.parse(JSON.stringify(optimizer.state()));
    expect(state.data.history.map((e: { score: number }) => e.score)).toEqual([5, 3, 4]);
    const fresh = new Opro([node(0, { trainable: true })], { model: new ScriptedModel([]) });
    fresh.loadState(state);
    expect(fresh.history).toEqual(optimizer.history);
  });

  it("keeps variables the answer leaves out and says which", async () => {
    const { a, b, out } = graphScope(() => {
      const a = node(1, { trainable: true, name: "a" });
      const b = node("x", { trainable: true, name: "b" });
      return { a, b, out: ops.concat(b, a) };
    });
    const model = new ScriptedModel([valueBlock(a.key, "2")]);
    const optimizer = new Opro([a, b] as ParameterNode[], { model });
    optimizer.backward(out, 0.1);
    const report = await optimizer.step();
    expect([a.data, b.data]).toEqual([2, "x"]);
    expect((report.details as OproDetails).missing).toEqual([b.key]);
  });

  it("reports blocks for keys that are not variables of this step without re-asking", async () => {
    const x = node(0, { trainable: true, name: "x" });
    const model = new ScriptedModel([`${valueBlock(x.key, "3")}\n${valueBlock("old0", "1")}`]);
    const optimizer = new Opro([x], { model });
    optimizer.backward(ops.multiply(x, 10), 0.1);
    const report = await optimizer.step();
    expect(x.data).toBe(3);
    expect(model.callCount).toBe(1);
    expect(report.error).toBeUndefined();
    expect(report.rejected).toEqual([
      { key: "old0", value: "1", reason: expect.stringMatching(/not one of the variables/) },
    ]);
  });

  it("re-asks an answer with a wrong value, naming the key and the reason", async () => {
    const x = node(0, { trainable: true, name: "x" });
    const model = new ScriptedModel([
      valueBlock(x.key, "lots"),
      valueBlock("nope0", "1"),
      valueBlock(x.key, "7"),
    ]);
    const optimizer = new Opro([x], { model, maxRetries: 2 });
    optimizer.backward(ops.multiply(x, 10), 0.1);
    const report = await optimizer.step();
    expect(x.data).toBe(7);
    expect(model.prompts[1]).toContain(`- ${x.key}: expected a finite number`);
    expect(model.prompts[2]).toContain("- nope0: 'nope0' is not one of the variables");
    expect(report.calls.map((c) => c.purpose)).toEqual(["propose", "propose (retry 1)", "propose (retry 2)"]);
    expect(report.details).toMatchObject({ modelCalls: 3, retries: 2 });
  });
});

describe("parseSolution", () => {
  it.each([
    ['<value name="a0">1</value>', { a0: "1" }, ""],
    ["Because.\n<value name='a0'>\n  x y \n</value>", { a0: "x y" }, "Because."],
    ["<value name=a0>1</value><VALUE NAME=b0>2</VALUE>", { a0: "1", b0: "2" }, ""],
    ['<value name="`a0`">1</value>', { a0: "1" }, ""],
    ['<value name="a0">draft</value> better: <value name="a0">final</value>', { a0: "final" }, ""],
    ['<value name="c0">\n```js\nfunction f() {}\n```\n</value>', { c0: "function f() {}" }, ""],
    ['< value  name = "a0" >1< / value >', { a0: "1" }, ""],
  ])("%j", (text, values, reasoning) => {
    expect(parseSolution(text)).toEqual({ values, reasoning });
  });

  it.each(["no blocks", '<value name="a0">unclosed', "<value>no name</value>"])(
    "%j has no solution",
    (text) => {
      expect(parseSolution(text)).toBeUndefined();
    },
  );
});
