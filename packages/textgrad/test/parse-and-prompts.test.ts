import { describe, expect, it } from "@jest/globals";
import { ExceptionNode, graphScope, type Node, node, ops, ParameterNode } from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import { extractNewValue, TextGrad, type TextGradOptions, textGradRequestInfo } from "@trace-ts/textgrad";

describe("extractNewValue", () => {
  it.each([
    ["<new_value>Bonjour</new_value>", "Bonjour", ""],
    ["Reasoning first.\n<new_value>\n  Bonjour  \n</new_value>", "Bonjour", "Reasoning first."],
    ["<NEW_VALUE>x</NEW_VALUE>", "x", ""],
    ["< new_value >x< / new_value >", "x", ""],
    [
      "I will write <new_value> at the end.\n<new_value>final</new_value>",
      "final",
      "I will write <new_value> at the end.",
    ],
    ["<new_value>\n```ts\nfunction f() {}\n```\n</new_value>", "function f() {}", ""],
    ["<new_value>a</new_value> then <new_value>b</new_value>", "b", "<new_value>a</new_value> then"],
    ["<new_value>first</new_value>\n<new_value>unfinished", "first", ""],
    ["<new_value></new_value>", "", ""],
    ["<new_value>line 1\n  line 2</new_value> trailing", "line 1\n  line 2", ""],
  ])("%j → %j", (text, value, reasoning) => {
    expect(extractNewValue(text)).toEqual({ ok: true, value, reasoning });
  });

  it.each([
    ["no tags at all", /no <new_value>/],
    ["<new_value>cut off", /not closed/],
    ["</new_value> only", /no <new_value>/],
  ])("%j is refused", (text, problem) => {
    const r = extractNewValue(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem).toMatch(problem);
  });
});

/** Runs one step and returns the prompts by purpose. */
async function prompts(
  build: () => { params: ParameterNode[]; feedback: [Node, string][] },
  options: TextGradOptions = {},
) {
  const { params, feedback } = graphScope(build);
  const model = new ScriptedModel((request) =>
    textGradRequestInfo(request)?.kind === "update" ? "<new_value>1</new_value>" : "GRADIENT-TEXT",
  );
  const optimizer = new TextGrad(params, {
    model,
    objective: "OBJECTIVE-TEXT",
    valueCharBudget: 40,
    ...options,
  });
  for (const [out, f] of feedback) optimizer.backward(out, f);
  const report = await optimizer.step();
  return Object.fromEntries(
    report.calls.map((c) => [c.purpose, c.messages.map((m) => m.content).join("\n")]),
  );
}

describe("TextGrad prompts", () => {
  it("a gradient prompt shows the operation, its inputs, the output, the feedback and the focus", async () => {
    const long = "L".repeat(500);
    let keys: Record<string, string> = {};
    const byPurpose = await prompts(
      () => {
        const p = node(3, { trainable: true, name: "p", description: "the factor", constraint: "positive" });
        const big = node(long, { name: "big" });
        const out = ops.format("{a}{b}", { a: p, b: big });
        keys = { p: p.key, big: big.key, out: out.key };
        return { params: [p], feedback: [[out, "FEEDBACK-TEXT"]] };
      },
      { passThroughOps: [] },
    );
    const gradient = byPurpose[`gradient ${keys.out} -> ${keys.p}`]!;
    expect(gradient).toContain(`# Gradient for ${keys.p} through ${keys.out}`);
    expect(gradient).toContain("OBJECTIVE-TEXT");
    expect(gradient).toMatch(
      new RegExp(`${keys.out} = format\\(template=\\w+, a=${keys.p}, b=${keys.big}\\)`),
    );
    expect(gradient).toContain(`- a = ${keys.p} (number, trainable): the factor  <- the input to explain`);
    expect(gradient).toContain("constraint: positive");
    expect(gradient).toContain("FEEDBACK-TEXT");
    // values other than the one under critique are cut to valueCharBudget with a visible marker
    expect(gradient).not.toContain(long);
    expect(gradient).toContain("…[460 more characters]");
    expect(gradient).toContain(`Explain how ${keys.p} should change so that ${keys.out}`);
  });

  it("an update prompt shows the full value, type, constraint, gradient and the tag format", async () => {
    const long = `${"word ".repeat(100)}end`;
    let key = "";
    const byPurpose = await prompts(() => {
      const s = node(long, {
        trainable: true,
        name: "s",
        description: "the prompt",
        constraint: "CONSTRAINT-X",
      });
      key = s.key;
      return { params: [s], feedback: [[ops.concat(s, "!"), "shorter"]] };
    });
    const update = byPurpose[`update ${key}`]!;
    expect(update).toContain(`# Update for ${key}`);
    expect(update).toContain(`<current_value>\n${long}\n</current_value>`);
    expect(update).toContain("type: string");
    expect(update).toContain("constraint: CONSTRAINT-X");
    expect(update).toContain("and keeps the constraint");
    // concat is pass-through: the output's feedback reaches s without a gradient call, marked
    expect(update).toContain("Feedback:\nshorter");
    expect(update).toMatch(/Forwarded unchanged through: concat\d+ \(concat\)/);
    expect(update).toContain("<new_value>\n(the complete new value)\n</new_value>");
  });

  it("an exception output is presented as an error with its feedback", async () => {
    let keys: Record<string, string> = {};
    const byPurpose = await prompts(() => {
      const code = new ParameterNode("function f(x) { return x.y.z; }", {
        name: "__code",
        info: { code: true },
      });
      const x = node({}, { name: "x" });
      const err = new ExceptionNode({
        op: "f",
        inputs: { __code: code, x },
        error: new TypeError("boom ERR"),
      });
      keys = { code: code.key, err: err.key };
      return { params: [code], feedback: [[err, err.errorFeedback()]] };
    });
    const gradient = byPurpose[`gradient ${keys.err} -> ${keys.code}`]!;
    expect(gradient).toContain(`## Output (${keys.err}): the operation threw`);
    expect(gradient).toContain("TypeError: boom ERR");
    const update = byPurpose[`update ${keys.code}`]!;
    expect(update).toContain("type: code");
    expect(update).toContain("Keep its name and its parameters (the signature)");
  });

  it("with mergeOverTokens, a combining prompt lists each incoming gradient with its context", async () => {
    let keys: Record<string, string> = {};
    const byPurpose = await prompts(
      () => {
        const p = node("x", { trainable: true, name: "p" });
        const a = ops.concat(p, "a");
        keys = { p: p.key, a: a.key };
        return {
          params: [p],
          feedback: [
            [a, "FROM-A"],
            [p, "DIRECT"],
          ],
        };
      },
      { passThroughOps: [], mergeOverTokens: 1 },
    );
    const combine = byPurpose[`combine ${keys.p}`]!;
    expect(combine).toContain(`# Combining feedback for ${keys.p}`);
    expect(combine).toContain(`### 1 of 2. Feedback given to ${keys.p}\nFeedback:\nDIRECT`);
    expect(combine).toContain(`### 2 of 2. About ${keys.p} as an input of ${keys.a}`);
    expect(combine).toContain(`Operation: ${keys.a} = concat(`);
    expect(combine).toContain("Feedback:\nGRADIENT-TEXT");
  });

  it("textGradRequestInfo recognizes each kind of call by its purpose and ignores other requests", () => {
    const request = (purpose?: string) => ({
      messages: [{ role: "user" as const, content: "# Update for p0\n" }],
      ...(purpose !== undefined ? { purpose } : {}),
    });
    expect(textGradRequestInfo(request("gradient add1 -> p0"))).toEqual({
      kind: "gradient",
      parent: "p0",
      child: "add1",
    });
    expect(textGradRequestInfo(request("gradient add1 -> p0 (retry 2)"))).toEqual({
      kind: "gradient",
      parent: "p0",
      child: "add1",
    });
    expect(textGradRequestInfo(request("combine add1"))).toEqual({ kind: "combine", key: "add1" });
    expect(textGradRequestInfo(request("update __code0"))).toEqual({ kind: "update", key: "__code0" });
    expect(textGradRequestInfo(request("update __code0 (retry 1)"))).toEqual({
      kind: "update",
      key: "__code0",
    });
    expect(textGradRequestInfo(request("propose"))).toBeUndefined();
    // the prompt's title line is not read: without a purpose the request is not recognized
    expect(textGradRequestInfo(request())).toBeUndefined();
  });

  it("every request carries the purpose the report's calls repeat", async () => {
    const { p, out } = graphScope(() => {
      const p = node("x", { trainable: true, name: "p" });
      return { p, out: ops.upper(p) };
    });
    const model = new ScriptedModel((request) =>
      textGradRequestInfo(request)?.kind === "update" ? "<new_value>y</new_value>" : "Change it.",
    );
    const optimizer = new TextGrad([p], { model });
    optimizer.backward(out, "Wrong.");
    const report = await optimizer.step();
    const purposes = [`gradient ${out.key} -> ${p.key}`, `update ${p.key}`];
    expect(model.calls.map((c) => c.request.purpose)).toEqual(purposes);
    expect(report.calls.map((c) => c.purpose)).toEqual(purposes);
  });

  it("verbose prints every prompt and response to log", async () => {
    const { p, out } = graphScope(() => {
      const p = node("x", { trainable: true, name: "p" });
      return { p, out: ops.upper(p) };
    });
    const model = new ScriptedModel((request) =>
      textGradRequestInfo(request)?.kind === "update" ? "<new_value>y</new_value>" : "GRADIENT-TEXT",
    );
    const lines: string[] = [];
    const optimizer = new TextGrad([p], { model, verbose: true, log: (m) => lines.push(m) });
    optimizer.backward(out, "Wrong.");
    await optimizer.step();
    const printed = lines.join("\n");
    expect(printed).toContain(`[TextGrad] prompt (gradient ${out.key} -> ${p.key})`);
    expect(printed).toContain(`# Gradient for ${p.key} through ${out.key}`);
    expect(printed).toContain("GRADIENT-TEXT");
    expect(printed).toContain(`[TextGrad] response (update ${p.key})`);
  });
});
