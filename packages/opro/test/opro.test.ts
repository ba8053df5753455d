import { describe, expect, it } from "@jest/globals";
import {
  type Feedback,
  type GenerateRequest,
  graphScope,
  node,
  ops,
  type ParameterNode,
  RateLimitError,
} from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import {
  isOproRequest,
  Opro,
  type OproDetails,
  type OproOptions,
  parseSolution,
  valueBlock,
} from "@trace-ts/opro";

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
  it("records each evaluated solution and shows the history in ascending order, the best last", async () => {
    const { x, model, optimizer, reports } = await run([0.2, 0.9, 0.5, 0.1]);
    expect(x.data).toBe(4);
    expect(optimizer.history.map((e) => [e.step, e.values[x.key], e.score])).toEqual([
      [1, 0, 0.2],
      [2, 1, 0.9],
      [3, 2, 0.5],
      [4, 3, 0.1],
    ]);
    expect(solutionOrder(userPrompt(model, 0))).toEqual([1]);
    expect(solutionOrder(userPrompt(model, 3))).toEqual([4, 1, 3, 2]);
    expect(userPrompt(model, 3)).toContain("### Solution 1: score 0.1 (step 4, the current values)");
    expect(userPrompt(model, 3)).toContain("## Earlier solutions in ascending order, the best last");
    expect(reports[3]!.details).toMatchObject({
      historySize: 4,
      shown: 4,
      omitted: 0,
      currentScore: 0.1,
      bestScore: 0.9,
    });
  });

  it("minimize puts the lowest score last", async () => {
    const { model } = await run([0.2, 0.9, 0.5], { direction: "minimize" });
    expect(solutionOrder(userPrompt(model, 2))).toEqual([2, 3, 1]);
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
    // unscored solutions first, then the scored ones from worst to best
    expect(solutionOrder(userPrompt(model, 2))).toEqual([3, 1, 2]);
    expect(userPrompt(model, 2)).toContain("Solutions without a score come first, oldest to newest.");
  });

  it("uses scoreOf when given, and orders text-only feedback oldest to newest", async () => {
    const byLength = await run(["aaa", "a", "aaaaa"], { scoreOf: (f) => String(f).length });
    expect(byLength.optimizer.history.map((e) => e.score)).toEqual([3, 1, 5]);
    const textOnly = await run(["first", "second", "third"]);
    expect(textOnly.optimizer.history.every((e) => e.score === undefined)).toBe(true);
    expect(solutionOrder(userPrompt(textOnly.model, 2))).toEqual([1, 2, 3]);
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
    expect(report.calls.map((c) => c.purpose)).toEqual([
      "propose solution",
      "propose solution (retry 1)",
      "propose solution (retry 2)",
    ]);
    expect(report.details).toMatchObject({ modelCalls: 3, retries: 2 });
  });
});

describe("Opro on the shared kernel", () => {
  it("requests carry their purpose, which isOproRequest reads (not the prompt)", async () => {
    const x = node(0, { trainable: true, name: "x" });
    // the scripted model dispatches on the purpose: a bad first answer, then a usable re-ask
    const model = new ScriptedModel((request) =>
      request.purpose === "propose solution" ? "no blocks" : valueBlock(x.key, "4"),
    );
    const optimizer = new Opro([x], { model });
    optimizer.backward(ops.multiply(x, 10), 0.1);
    const report = await optimizer.step();
    expect(x.data).toBe(4);
    expect(model.calls.map((c) => c.request.purpose)).toEqual([
      "propose solution",
      "propose solution (retry 1)",
    ]);
    expect(report.calls.map((c) => c.purpose)).toEqual(["propose solution", "propose solution (retry 1)"]);
    expect(model.calls.every((c) => isOproRequest(c.request))).toBe(true);
    const request = (purpose?: string): GenerateRequest => ({
      messages: [{ role: "user", content: "# Propose a new solution" }],
      ...(purpose === undefined ? {} : { purpose }),
    });
    expect(
      [undefined, "gradient x0", "propose solution (retry x)", "propose", "propose (retry 1)"].map((p) =>
        isOproRequest(request(p)),
      ),
    ).toEqual([false, false, false, false, false]);
  });

  it("propose() passes the sample index to the request; step() sends none", async () => {
    const x = node(0, { trainable: true, name: "x" });
    const model = new ScriptedModel((request) => valueBlock(x.key, String(8 + (request.sample ?? 0))));
    const optimizer = new Opro([x], { model, temperature: 1, maxTokens: 500 });
    optimizer.backward(ops.multiply(x, 10), 0.1);
    const proposal = await optimizer.propose({ sample: 2 });
    expect([...proposal.updates.values()]).toEqual([10]);
    expect(model.calls[0]!.request).toMatchObject({ sample: 2, temperature: 1, maxTokens: 500 });
    await optimizer.step();
    expect(model.calls[1]!.request.sample).toBeUndefined();
    expect(x.data).toBe(8);
  });

  it("a failed call reports the provider's error code; unusable answers UNUSABLE_ANSWER", async () => {
    const x = node(0, { trainable: true, name: "x" });
    const down = new Opro([x], { model: new ScriptedModel([new RateLimitError("slow down")]) });
    down.backward(ops.multiply(x, 10), 0.5);
    const failed = await down.step();
    expect(failed.errorCode).toBe("LLM_RATE_LIMIT");
    expect(failed.error).toMatch(/OPRO propose solution: the model call failed/);
    expect(failed.calls).toEqual([
      expect.objectContaining({ purpose: "propose solution", errorCode: "LLM_RATE_LIMIT" }),
    ]);

    const bad = new Opro([x], { model: new ScriptedModel([valueBlock(x.key, "lots")]), maxRetries: 0 });
    bad.backward(ops.multiply(x, 10), 0.5);
    const unusable = await bad.step();
    expect(unusable.errorCode).toBe("UNUSABLE_ANSWER");
    expect(unusable.rejected).toEqual([
      { key: x.key, value: "lots", reason: expect.stringMatching(/finite number/) },
    ]);
    expect(unusable.details).toMatchObject({ modelCalls: 1, retries: 0, currentScore: 0.5 });
    expect(x.data).toBe(0);
  });

  it("without feedback, asks nothing and says how to give feedback", async () => {
    const x = node(0, { trainable: true, name: "x" });
    const model = new ScriptedModel([]);
    const optimizer = new Opro([x], { model });
    const report = await optimizer.step();
    expect(report.error).toMatch(/backward/);
    expect(report.details).toMatchObject({ modelCalls: 0, historySize: 0 });
    expect(model.callCount).toBe(0);
    expect(optimizer.history).toEqual([]);
  });

  it("records the evaluation with the step number the prompt showed, after the step counter moved", async () => {
    const x = node(0, { trainable: true, name: "x" });
    const model = counting(() => x.key);
    const optimizer = new Opro([x], { model });
    optimizer.backward(ops.multiply(x, 10), 0.5);
    await optimizer.step(); // step 1: records x = 0
    await optimizer.step(); // step 2: no new feedback, records nothing
    optimizer.zeroFeedback();
    optimizer.backward(ops.multiply(x, 10), 0.7);
    await optimizer.step(); // step 3: records x = 2 (proposed in step 2)
    expect(userPrompt(model, 2)).toContain("(step 3, the current values)");
    expect(optimizer.history.map((e) => [e.step, e.values[x.key], e.score])).toEqual([
      [1, 0, 0.5],
      [3, 2, 0.7],
    ]);
  });
});

describe("Opro.observeScores", () => {
  /** Three candidates x = 8, 9, 10 for the feedback 0.5 on x = 0. */
  async function candidates() {
    const { x, y, out } = graphScope(() => {
      const x = node(0, { trainable: true, name: "x" });
      const y = node("keep", { trainable: true, name: "y" });
      return { x, y, out: ops.concat(y, x) };
    });
    const model = new ScriptedModel((request) => valueBlock(x.key, String(8 + (request.sample ?? 0))));
    const optimizer = new Opro([x, y] as ParameterNode[], { model });
    optimizer.backward(out, 0.5);
    const proposals = await optimizer.proposeCandidates(3);
    return { x, y, model, optimizer, proposals };
  }

  it("adds every scored candidate with its score, leaves unscored ones out, changes no parameter", async () => {
    const { x, y, optimizer, proposals } = await candidates();
    optimizer.observeScores([
      { proposal: proposals[0]!, score: 0.2 },
      { proposal: proposals[1]!, score: undefined },
      { proposal: proposals[2]!, score: 0.9 },
    ]);
    expect(x.data).toBe(0);
    // a candidate's values: its problem's values with its updates in place
    expect(optimizer.history.map((e) => [e.step, e.values, e.score, e.feedback])).toEqual([
      [1, { [x.key]: 8, [y.key]: "keep" }, 0.2, []],
      [1, { [x.key]: 10, [y.key]: "keep" }, 0.9, []],
    ]);
    optimizer.observeScores([{ proposal: proposals[1]!, score: Number.NaN }]);
    expect(optimizer.history).toHaveLength(2);
  });

  it("ranks candidates by their scores and shows them in the next prompt", async () => {
    const { x, model, optimizer, proposals } = await candidates();
    optimizer.observeScores(proposals.map((proposal, i) => ({ proposal, score: [0.3, 0.9, 0.1][i] })));
    expect(optimizer.rankedHistory().map((e) => e.values[x.key])).toEqual([9, 8, 10]);
    await optimizer.step();
    const prompt = model.prompts.at(-1)!;
    // the three candidates and the current evaluation (score 0.5), the best last
    expect([...prompt.matchAll(/### Solution \d+: score ([\d.]+)/g)].map((m) => Number(m[1]))).toEqual([
      0.1, 0.3, 0.5, 0.9,
    ]);
    expect(optimizer.history).toHaveLength(4);
  });

  it("the observed candidates are part of state()", async () => {
    const { optimizer, proposals } = await candidates();
    optimizer.observeScores(proposals.map((proposal, i) => ({ proposal, score: i })));
    const state = JSON.parse(JSON.stringify(optimizer.state()));
    const fresh = new Opro([node(0, { trainable: true })], { model: new ScriptedModel([]) });
    fresh.loadState(state);
    expect(fresh.history).toEqual(optimizer.history);
    expect(fresh.history.map((e) => e.score)).toEqual([0, 1, 2]);
  });

  it("keeps at most historySize solutions, dropping the worst", async () => {
    const { x, optimizer, proposals } = await candidates();
    const small = new Opro(optimizer.parameters, { model: new ScriptedModel([]), historySize: 2 });
    small.observeScores(proposals.map((proposal, i) => ({ proposal, score: [0.3, 0.9, 0.1][i] })));
    expect(small.history.map((e) => e.values[x.key])).toEqual([8, 9]);
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
