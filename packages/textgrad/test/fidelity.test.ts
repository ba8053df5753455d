import { describe, expect, it } from "@jest/globals";
import { callLLM, graphScope, node, ops } from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import { TextGrad, type TextGradDetails, textGradRequestInfo } from "@trace-ts/textgrad";

/** Gradient calls answer `GRADIENT via <child> for <parent>`; updates answer from `values`. */
function scripted(
  values: Record<string, string> = {},
  bad: (key: string) => string | undefined = () => undefined,
) {
  return new ScriptedModel((request) => {
    const info = textGradRequestInfo(request);
    if (info?.kind === "gradient") return `GRADIENT via ${info.child} for ${info.parent}`;
    if (info?.kind === "update")
      return bad(info.key) ?? `<new_value>${values[info.key] ?? "new"}</new_value>`;
    return "MERGED";
  });
}

const text = (messages: readonly { content: string }[]) => messages.map((m) => m.content).join("\n");

describe("TextGrad keeps every gradient with its context (no merging call by default)", () => {
  it("the update prompt shows each gradient with its operation, inputs, output and text", async () => {
    const g = graphScope(() => {
      const p = node("be brief", { trainable: true, name: "p" });
      const q = node("QUESTION-VALUE", { name: "q" });
      const a = ops.replace(p, "brief", "BRIEF-OUT");
      const b = ops.upper(ops.concat(p, q));
      return { p, q, a, b };
    });
    const model = scripted({ [g.p.key]: "be exact" });
    const optimizer = new TextGrad([g.p], { model });
    optimizer.backward(g.a, "FEEDBACK-ON-A");
    optimizer.backward(g.b, "FEEDBACK-ON-B");
    optimizer.backward(g.p, "FEEDBACK-ON-P");
    const plan = optimizer.plan();
    const report = await optimizer.step();
    expect(report.error).toBeUndefined();
    // no combine call; plan().calls is exactly what was made
    expect(model.calls.map((c) => textGradRequestInfo(c.request)?.kind)).not.toContain("combine");
    expect(model.callCount).toBe(plan.calls);
    expect(plan.calls).toBe(3); // a -> p, upper -> concat (concat -> p passes through), update p
    const update = text(report.calls.find((c) => c.purpose === `update ${g.p.key}`)!.messages);
    expect(update).toContain("## Feedback on this value (3)");
    expect(update).toContain("FEEDBACK-ON-P");
    // the gradient through replace, with the operation, its inputs and its output
    expect(update).toContain(`About ${g.p.key} as an input of ${g.a.key}`);
    expect(update).toMatch(new RegExp(`Operation: ${g.a.key} = replace\\(`));
    expect(update).toContain("<- the input this feedback is about");
    expect(update).toContain("(its value is shown above)");
    expect(update).toContain(`Output of ${g.a.key}:\n    be BRIEF-OUT`);
    expect(update).toContain(`GRADIENT via ${g.a.key} for ${g.p.key}`);
    // the gradient through upper reached p through the pass-through concat, with its context
    const concatKey = g.b.parents[0]!.key;
    expect(update).toContain(`Forwarded unchanged through: ${concatKey} (concat)`);
    expect(update).toContain(`GRADIENT via ${g.b.key} for ${concatKey}`);
    expect(update).toContain("QUESTION-VALUE"); // an input of the concat, shown as context
    expect(update).toContain("BE BRIEFQUESTION-VALUE"); // upper's output
    expect(update).toContain("addresses all of the feedback");
  });

  it("an intermediate node passes the concatenation of its gradients, with context, to its parents", async () => {
    const g = graphScope(() => {
      const p = node("x", { trainable: true, name: "p" });
      const mid = ops.upper(p);
      return { p, mid, o1: ops.lower(mid), o2: ops.trim(mid) };
    });
    const model = scripted();
    const optimizer = new TextGrad([g.p], { model });
    optimizer.backward(g.o1, "FB-1");
    optimizer.backward(g.o2, "FB-2");
    const report = await optimizer.step();
    expect(optimizer.plan().calls).toBe(4);
    expect(model.callCount).toBe(4);
    const gradient = text(
      report.calls.find((c) => c.purpose === `gradient ${g.mid.key} -> ${g.p.key}`)!.messages,
    );
    expect(gradient).toContain(`## Feedback on ${g.mid.key}`);
    expect(gradient).toContain(`About ${g.mid.key} as an input of ${g.o1.key}`);
    expect(gradient).toContain(`GRADIENT via ${g.o1.key} for ${g.mid.key}`);
    expect(gradient).toContain(`About ${g.mid.key} as an input of ${g.o2.key}`);
    expect(gradient).toContain(`GRADIENT via ${g.o2.key} for ${g.mid.key}`);
  });
});

describe("TextGrad keeps the value under critique whole within critiqueTokenBudget", () => {
  it("a 5,000-character prompt parameter is shown whole in the gradient prompt by default", async () => {
    const long = `${"Answer carefully. ".repeat(300).slice(0, 4997)}END`;
    expect(long).toHaveLength(5000);
    const g = graphScope(() => {
      const p = node(long, { trainable: true, name: "p" });
      const other = node("O".repeat(3000), { name: "other" });
      return { p, out: ops.format("{a}{b}", { a: p, b: other }) };
    });
    const model = scripted();
    const optimizer = new TextGrad([g.p], { model, passThroughOps: [] });
    optimizer.backward(g.out, "Too long.");
    const report = await optimizer.step();
    const gradient = text(
      report.calls.find((c) => c.purpose === `gradient ${g.out.key} -> ${g.p.key}`)!.messages,
    );
    expect(gradient).toContain(long);
    // other values keep the valueCharBudget cut (2,000 characters)
    expect(gradient).not.toContain("O".repeat(3000));
    expect(gradient).toContain("…[1000 more characters]");
  });

  it("past critiqueTokenBudget the value is cut with a marker naming the budget", async () => {
    const long = "x".repeat(5000);
    const g = graphScope(() => {
      const p = node(long, { trainable: true, name: "p" });
      return { p, out: ops.upper(p) };
    });
    const model = scripted();
    const optimizer = new TextGrad([g.p], { model, critiqueTokenBudget: 100 });
    optimizer.backward(g.out, "Too long.");
    const report = await optimizer.step();
    const gradient = text(
      report.calls.find((c) => c.purpose === `gradient ${g.out.key} -> ${g.p.key}`)!.messages,
    );
    expect(gradient).not.toContain(long);
    expect(gradient).toContain(
      `${"x".repeat(400)}…[4600 more characters not shown: past the critique budget of 100 tokens]`,
    );
    // the update prompt still shows the value being updated in full
    expect(text(report.calls.find((c) => c.purpose === `update ${g.p.key}`)!.messages)).toContain(long);
  });
});

describe("TextGrad partial application", () => {
  function twoParams() {
    return graphScope(() => {
      const p = node("p-old", { trainable: true, name: "p" });
      const q = node("q-old", { trainable: true, name: "q" });
      return { p, q, op: ops.upper(p), oq: ops.lower(q) };
    });
  }

  it("by default one unusable update answer changes no parameter", async () => {
    const g = twoParams();
    const model = scripted({ [g.p.key]: "p-new" }, (key) => (key === g.q.key ? "no tags" : undefined));
    const optimizer = new TextGrad([g.p, g.q], { model, maxRetries: 1 });
    optimizer.backward(g.op, "fix p");
    optimizer.backward(g.oq, "fix q");
    const report = await optimizer.step();
    expect(report.error).toMatch(/TextGrad/);
    expect(report.applied).toEqual([]);
    expect(g.p.data).toBe("p-old");
    expect(g.q.data).toBe("q-old");
  });

  it("with partial: true the successful updates are applied and the failures reported", async () => {
    const g = twoParams();
    const model = scripted({ [g.p.key]: "p-new" }, (key) => (key === g.q.key ? "no tags" : undefined));
    const optimizer = new TextGrad([g.p, g.q], { model, maxRetries: 1, partial: true });
    optimizer.backward(g.op, "fix p");
    optimizer.backward(g.oq, "fix q");
    const report = await optimizer.step();
    expect(g.p.data).toBe("p-new");
    expect(g.q.data).toBe("q-old");
    expect(report.applied.map((a) => a.key)).toEqual([g.p.key]);
    expect(report.error).toMatch(new RegExp(`could not update 1 of 2 parameters \\(${g.q.key}: `));
    expect(report.errorCode).toBe("UNUSABLE_ANSWER");
    expect(report.rejected).toEqual([
      {
        key: g.q.key,
        value: undefined,
        reason: expect.stringMatching(/no <new_value> … <\/new_value> block/),
      },
    ]);
  });

  it("with partial: true an empty gradient only blocks the parameters below it", async () => {
    const run = async (partial: boolean) => {
      const g = twoParams();
      const model = new ScriptedModel((request) => {
        const info = textGradRequestInfo(request);
        if (info?.kind === "gradient") return info.parent === g.q.key ? "   " : "Change it.";
        return info?.kind === "update" ? `<new_value>${info.key}-new</new_value>` : "";
      });
      const optimizer = new TextGrad([g.p, g.q], { model, maxRetries: 0, partial });
      optimizer.backward(g.op, "fix p");
      optimizer.backward(g.oq, "fix q");
      return { g, report: await optimizer.step() };
    };
    const strict = await run(false);
    expect(strict.report.applied).toEqual([]);
    expect(strict.g.p.data).toBe("p-old");

    const { g, report } = await run(true);
    expect(g.p.data).toBe(`${g.p.key}-new`);
    expect(g.q.data).toBe("q-old");
    expect(report.rejected).toEqual([
      { key: g.q.key, value: undefined, reason: expect.stringMatching(/empty/) },
    ]);
    expect(report.error).toMatch(/could not update 1 of 2 parameters/);
    expect((report.details as TextGradDetails).modelCalls).toBe(3);
  });

  it("with partial: true, when every parameter fails, the report is a failed step", async () => {
    const g = twoParams();
    const model = scripted({}, () => "no tags");
    const optimizer = new TextGrad([g.p, g.q], { model, maxRetries: 0, partial: true });
    optimizer.backward(g.op, "fix p");
    optimizer.backward(g.oq, "fix q");
    const report = await optimizer.step();
    expect(report.applied).toEqual([]);
    expect(report.errorCode).toBe("UNUSABLE_ANSWER");
    expect(report.rejected.map((r) => r.key).sort()).toEqual([g.p.key, g.q.key].sort());
  });
});

describe("TextGrad pass-through operations cost no call", () => {
  async function promptThroughConcat(passThroughOps?: readonly string[]) {
    const forward = new ScriptedModel(() => "an answer");
    const g = await graphScope(async () => {
      const p = node("You are terse.", { trainable: true, name: "system" });
      const prompt = ops.concat(p, " Answer in French.");
      const answer = await callLLM(prompt, "Hello?", { model: forward });
      return { p, prompt, answer };
    });
    const model = scripted({ [g.p.key]: "Tu es concis." });
    const optimizer = new TextGrad([g.p], { model, ...(passThroughOps ? { passThroughOps } : {}) });
    optimizer.backward(g.answer, "Answer in French.");
    const plan = optimizer.plan();
    const report = await optimizer.step();
    return { g, model, plan, report };
  }

  it("param → concat → callLLM → output costs one gradient call fewer, and the update still shows the gradient", async () => {
    const before = await promptThroughConcat([]);
    const after = await promptThroughConcat();
    expect(before.model.callCount).toBe(3);
    expect(before.plan.calls).toBe(3);
    expect(after.model.callCount).toBe(2);
    expect(after.plan.calls).toBe(2);
    expect(after.plan.edges).toHaveLength(2);
    expect(after.plan.gradientEdges).toHaveLength(1);
    expect((after.report.details as TextGradDetails).passedThrough).toBe(1);
    expect(after.model.calls.map((c) => c.request.purpose)).toEqual([
      `gradient ${after.g.answer.key} -> ${after.g.prompt.key}`,
      `update ${after.g.p.key}`,
    ]);
    const update = text(after.report.calls.at(-1)!.messages);
    expect(update).toContain(`GRADIENT via ${after.g.answer.key} for ${after.g.prompt.key}`);
    expect(update).toContain(`Forwarded unchanged through: ${after.g.prompt.key} (concat)`);
    expect(update).toContain(`Operation: ${after.g.answer.key} = callLLM(`);
    expect(after.g.p.data).toBe("Tu es concis.");
  });

  it("refuses passThroughOps that is not an array of names", () => {
    const p = node("x", { trainable: true });
    expect(() => new TextGrad([p], { passThroughOps: [1] as unknown as string[] })).toThrow(/passThroughOps/);
  });
});
