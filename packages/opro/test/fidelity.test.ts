import { describe, expect, it } from "@jest/globals";
import { graphScope, InvalidOptionError, node, ops, type ParameterNode } from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import { isOproRequest, Opro, type OproDetails, OproNoCandidateError, valueBlock } from "@trace-ts/opro";

/** Steps (and scores) of the solutions in the order the prompt prints them. */
const printed = (prompt: string) =>
  [...prompt.matchAll(/### Solution \d+: (?:score ([\d.-]+)|no score) \(step (\d+)/g)].map((m) => ({
    step: Number(m[2]),
    score: m[1] === undefined ? undefined : Number(m[1]),
  }));

/** The history section of a prompt. */
const historyPart = (prompt: string) => prompt.split("## Earlier solutions")[1]!.split("## Your answer")[0]!;

/** x, out = x * 10, and a model that answers x = sample index + 100 (or 1, 2, … without one). */
function setup(options: ConstructorParameters<typeof Opro>[1] = {}) {
  const x = node(0, { trainable: true, name: "x" });
  let n = 0;
  const model = new ScriptedModel((request) =>
    valueBlock(x.key, String(request.sample === undefined ? ++n : 100 + request.sample)),
  );
  const optimizer = new Opro([x], { model, ...options });
  const feed = (feedback: Parameters<Opro["backward"]>[1]) => {
    optimizer.zeroFeedback();
    optimizer.backward(ops.multiply(x, 10), feedback);
  };
  return { x, model, optimizer, feed };
}

describe("OPRO history order: ascending, the best last", () => {
  it("prints every solution in ascending order of score with the best right before the answer section", async () => {
    const { model, feed, optimizer } = setup();
    for (const score of [0.5, 0.9, 0.1, 0.7]) {
      feed(score);
      await optimizer.step();
    }
    const prompt = model.prompts.at(-1)!;
    expect(printed(prompt).map((e) => e.score)).toEqual([0.1, 0.5, 0.7, 0.9]);
    // the best solution is the last thing before the answer instructions
    expect(historyPart(prompt).trimEnd()).toMatch(/### Solution 4: score 0\.9 \(step 2\)[^#]*$/);
    // rankedHistory() stays best first
    expect(optimizer.rankedHistory().map((e) => e.score)).toEqual([0.9, 0.7, 0.5, 0.1]);
  });

  it("with a budget cut, the best solutions are chosen and printed in ascending order, the omission said first", async () => {
    const s = node("start", { trainable: true, name: "s" });
    let n = 0;
    const model = new ScriptedModel(() => valueBlock(s.key, `${"long text ".repeat(30)}${++n}`));
    const optimizer = new Opro([s], { model, historyCharBudget: 1500 });
    const scores = [3, 8, 1, 9, 5, 7, 2, 6, 4, 0];
    for (const score of scores) {
      optimizer.zeroFeedback();
      optimizer.backward(ops.concat(s, "!"), score);
      await optimizer.step();
    }
    const prompt = model.prompts.at(-1)!;
    const shown = printed(prompt).map((e) => e.score);
    expect(optimizer.history).toHaveLength(10);
    expect(shown.length).toBeGreaterThan(1);
    expect(shown.length).toBeLessThan(10);
    // the top scores, ascending: …, 8, 9
    expect(shown).toEqual(
      [...scores]
        .sort((a, b) => b - a)
        .slice(0, shown.length)
        .reverse(),
    );
    expect(historyPart(prompt)).toMatch(/^[^#]*\(\d+ lower-ranked solution\(s\) are not shown\.\)/);
  });

  it("minimize: the lowest score is best and printed last, also with a budget cut", async () => {
    const s = node("start", { trainable: true, name: "s" });
    let n = 0;
    const model = new ScriptedModel(() => valueBlock(s.key, `${"long text ".repeat(30)}${++n}`));
    const optimizer = new Opro([s], { model, historyCharBudget: 1500, direction: "minimize" });
    const scores = [3, 8, 1, 9, 5, 7, 2, 6, 4, 0];
    for (const score of scores) {
      optimizer.zeroFeedback();
      optimizer.backward(ops.concat(s, "!"), score);
      await optimizer.step();
    }
    const prompt = model.prompts.at(-1)!;
    const shown = printed(prompt).map((e) => e.score);
    expect(shown.length).toBeLessThan(10);
    expect(shown).toEqual(
      [...scores]
        .sort((a, b) => a - b)
        .slice(0, shown.length)
        .reverse(),
    );
    expect(shown.at(-1)).toBe(0);
    expect(prompt).toContain("lower scores are better");
  });

  it("solutions without a score come before the scored ones, oldest to newest", async () => {
    const { model, feed, optimizer } = setup();
    for (const f of ["text only A", 0.4, "text only B", 0.8]) {
      feed(f);
      await optimizer.step();
    }
    feed(0.2);
    await optimizer.step();
    expect(printed(model.prompts.at(-1)!)).toEqual([
      { step: 1, score: undefined },
      { step: 3, score: undefined },
      { step: 5, score: 0.2 },
      { step: 2, score: 0.4 },
      { step: 4, score: 0.8 },
    ]);
  });
});

describe("OPRO candidates", () => {
  it("proposeCandidates() asks 8 by default, one request each, at temperature 1.0 with samples 0…7", async () => {
    const { model, feed, optimizer, x } = setup({ temperature: 0.2 });
    feed(0.5);
    const proposals = await optimizer.proposeCandidates();
    expect(proposals.map((p) => p.updates.get(x))).toEqual([100, 101, 102, 103, 104, 105, 106, 107]);
    expect(model.calls.map((c) => c.request.sample)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(model.calls.every((c) => c.request.temperature === 1)).toBe(true);
    expect(
      model.calls.every((c) => c.request.purpose === "propose solution" && isOproRequest(c.request)),
    ).toBe(true);
    expect(x.data).toBe(0);
    expect(optimizer.settings).toMatchObject({ candidates: 8, candidateTemperature: 1 });
  });

  it("the candidates and candidateTemperature options set the count and the temperature", async () => {
    const { model, feed, optimizer } = setup({ candidates: 3, candidateTemperature: 0.7 });
    feed(0.5);
    expect(await optimizer.proposeCandidates()).toHaveLength(3);
    expect(await optimizer.proposeCandidates(2)).toHaveLength(2);
    expect(model.calls.map((c) => [c.request.sample, c.request.temperature])).toEqual([
      [0, 0.7],
      [1, 0.7],
      [2, 0.7],
      [0, 0.7],
      [1, 0.7],
    ]);
    expect(() => new Opro([node(0, { trainable: true })], { candidates: 0 })).toThrow(InvalidOptionError);
    expect(() => new Opro([node(0, { trainable: true })], { candidateTemperature: -1 })).toThrow(
      InvalidOptionError,
    );
  });

  it("step() without score asks one solution, at the temperature option, without a sample", async () => {
    const { model, feed, optimizer, x } = setup({ candidates: 8, temperature: 0.3 });
    feed(0.5);
    const report = await optimizer.step();
    expect(model.callCount).toBe(1);
    expect(model.calls[0]!.request).toMatchObject({ temperature: 0.3 });
    expect(model.calls[0]!.request.sample).toBeUndefined();
    expect(x.data).toBe(1);
    expect((report.details as OproDetails).candidates).toBeUndefined();
  });

  it("step() with score asks 8 candidates, scores each with its values set, records all, applies the best", async () => {
    const seen: unknown[] = [];
    const { model, feed, optimizer, x } = setup({
      // x = 100 … 107: the closest to 104 wins
      score: (updates, candidate) => {
        seen.push([x.data, updates.get(x), candidate.sample, candidate.temperature]);
        return -Math.abs(x.data - 104);
      },
    });
    feed(-50);
    const report = await optimizer.step();
    expect(model.callCount).toBe(8);
    expect(model.calls.map((c) => [c.request.sample, c.request.temperature])).toEqual(
      Array.from({ length: 8 }, (_, i) => [i, 1]),
    );
    expect(seen).toEqual(Array.from({ length: 8 }, (_, i) => [100 + i, 100 + i, i, 1]));
    expect(x.data).toBe(104);
    const details = report.details as OproDetails;
    expect(details.modelCalls).toBe(8);
    expect(details.chosen).toBe(4);
    expect(details.candidates!.map((c) => c.score)).toEqual([-4, -3, -2, -1, -0, -1, -2, -3]);
    expect(report.calls).toHaveLength(8);
    // the 8 candidates and the evaluation of the values the step started from
    expect(optimizer.history.map((e) => [e.values[x.key], e.score])).toEqual([
      ...Array.from({ length: 8 }, (_, i) => [100 + i, -Math.abs(i - 4)]),
      [0, -50],
    ]);
    // the next prompt shows them all, the best (x = 104) last
    feed(-1);
    await optimizer.step();
    const prompt = model.prompts.at(-1)!;
    expect(historyPart(prompt).trimEnd()).toMatch(
      new RegExp(`<value name="${x.key}">\\n104\\n</value>[^#]*$`),
    );
  });

  it("minimize applies the lowest score; failed or NaN scores rule a candidate out", async () => {
    const { feed, optimizer, x } = setup({
      candidates: 4,
      direction: "minimize",
      score: () => {
        if (x.data === 100) throw new Error("broken run");
        if (x.data === 101) return Number.NaN;
        return x.data; // 102 beats 103
      },
    });
    feed(500);
    const report = await optimizer.step();
    expect(x.data).toBe(102);
    const details = report.details as OproDetails;
    expect(details.candidates).toEqual([
      { sample: 0, score: undefined, error: expect.stringMatching(/score failed: .*broken run/) },
      { sample: 1, score: undefined, error: expect.stringMatching(/not a number/) },
      { sample: 2, score: 102 },
      { sample: 3, score: 103 },
    ]);
    expect(optimizer.history.map((e) => e.score)).toEqual([102, 103, 500]);
  });

  it("when no candidate can be scored, nothing changes and the report says why (OPRO_NO_CANDIDATE)", async () => {
    const { feed, optimizer, x } = setup({
      candidates: 2,
      score: () => {
        throw new Error("no evaluator");
      },
    });
    feed(0.5);
    const report = await optimizer.step();
    expect(x.data).toBe(0);
    expect(report.errorCode).toBe("OPRO_NO_CANDIDATE");
    expect(report.error).toMatch(/no candidate could be chosen: candidate 0: its score failed/);
    expect(new OproNoCandidateError(["a"]).code).toBe("OPRO_NO_CANDIDATE");
    expect(optimizer.history.map((e) => e.score)).toEqual([0.5]);
  });

  it("a scored step awaits async scores and keeps the values of parameters the candidates leave alone", async () => {
    const { x, y, out } = graphScope(() => {
      const x = node(0, { trainable: true, name: "x" });
      const y = node("keep", { trainable: true, name: "y" });
      return { x, y, out: ops.concat(y, x) };
    });
    const model = new ScriptedModel((request) => valueBlock(x.key, String(10 + (request.sample ?? 0))));
    const optimizer = new Opro([x, y] as ParameterNode[], {
      model,
      candidates: 3,
      score: async () => {
        await Promise.resolve();
        return x.data === 11 ? 1 : 0;
      },
    });
    optimizer.backward(out, 0.1);
    await optimizer.step();
    expect([x.data, y.data]).toEqual([11, "keep"]);
  });
});

describe("OPRO task exemplars", () => {
  it("none are shown unless given", async () => {
    const { model, feed, optimizer } = setup();
    feed(0.5);
    await optimizer.step();
    expect(model.prompts[0]).not.toContain("## Task examples");
  });

  it("shows the given exemplars in order, under their own heading, before the history", async () => {
    const { model, feed, optimizer } = setup({
      exemplars: [
        { input: "What is 2 + 3?", output: "5" },
        { input: { question: "capital of France" }, output: "Paris" },
      ],
    });
    feed(0.5);
    const report = await optimizer.step();
    const prompt = model.prompts[0]!;
    const examples = prompt.split("## Task examples")[1]!.split("## Earlier solutions")[0]!;
    expect(examples).toContain("### Example 1\nInput:\nWhat is 2 + 3?\nWanted output:\n5");
    expect(examples.indexOf("### Example 1")).toBeLessThan(examples.indexOf("### Example 2"));
    expect(examples).toContain('{"question":"capital of France"}');
    expect(prompt.indexOf("## Task examples")).toBeLessThan(prompt.indexOf("## Earlier solutions"));
    expect(report.details).toMatchObject({ exemplarsShown: 2, exemplarsOmitted: 0 });
  });

  it("the budget cuts long exemplars with a marker and leaves out the ones that do not fit, saying so", async () => {
    const exemplars = Array.from({ length: 10 }, (_, i) => ({
      input: `question ${i} ${"q".repeat(300)}`,
      output: `answer ${i}`,
    }));
    const { model, feed, optimizer } = setup({ exemplars, exemplarCharBudget: 800 });
    feed(0.5);
    const report = await optimizer.step();
    const examples = model.prompts[0]!.split("## Task examples")[1]!.split("## Earlier solutions")[0]!;
    const shown = [...examples.matchAll(/### Example (\d+)/g)].map((m) => Number(m[1]));
    expect(shown.length).toBeGreaterThan(0);
    expect(shown).toEqual(Array.from({ length: shown.length }, (_, i) => i + 1));
    expect(examples).toMatch(/…\[\d+ more characters\]/);
    expect(examples).toContain(`(${10 - shown.length} more example(s) are not shown.)`);
    expect(examples.length).toBeLessThan(800 + 200);
    expect(report.details).toMatchObject({
      exemplarsShown: shown.length,
      exemplarsOmitted: 10 - shown.length,
    });
  });

  it("exemplarsFromFeedback shows this step's inputs and outputs, without graph keys", async () => {
    const { s, outs } = graphScope(() => {
      const s = node("Answer briefly.", { trainable: true, name: "s" });
      const outs = ["What is 2 + 3?", "Capital of France?"].map((q) => ops.concat(s, node(` ${q}`)));
      return { s, outs };
    });
    const model = new ScriptedModel(() => valueBlock(s.key, "Answer."));
    const optimizer = new Opro([s], { model, exemplarsFromFeedback: true });
    optimizer.backward(outs[0]!, { score: 1, feedback: "right" });
    optimizer.backward(outs[1]!, { score: 0, feedback: "wrong" });
    await optimizer.step();
    const examples = model.prompts[0]!.split("## Task examples")[1]!.split("## Earlier solutions")[0]!;
    expect(examples).toContain(
      "### Output 1 of the current values\nInput:\n What is 2 + 3?\nOutput produced:\nAnswer briefly. What is 2 + 3?",
    );
    expect(examples).toContain("### Output 2 of the current values\nInput:\n Capital of France?");
    expect(examples).not.toContain(s.key);
  });

  it("refuses exemplars that are not a list of objects", () => {
    expect(() => new Opro([node(0, { trainable: true })], { exemplars: "q/a" as unknown as [] })).toThrow(
      InvalidOptionError,
    );
    expect(() => new Opro([node(0, { trainable: true })], { exemplars: [1] as unknown as [] })).toThrow(
      /exemplars/,
    );
  });
});
