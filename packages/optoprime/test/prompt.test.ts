import { describe, expect, it } from "@jest/globals";
import { ExceptionNode, graphScope, MessageNode, node, ops } from "@trace-ts/core";
import { recordOp } from "@trace-ts/core/graph";
import { OptoPrime, REPLY_FORMAT, renderPrompt, SYSTEM_PROMPT } from "@trace-ts/optoprime";
import { codeParameter, wideGraph } from "./helpers/graphs.js";

/** The body of one `#Section` of a problem message. */
function section(user: string, title: string): string {
  const parts = `\n\n${user}`.split(/\n\n(?=#[A-Z][A-Za-z]*\n)/);
  const found = parts.find((p) => p.startsWith(`#${title}\n`));
  if (found === undefined) throw new Error(`no #${title} section in:\n${user}`);
  return found.slice(title.length + 2);
}

function userOf(optimizer: OptoPrime): string {
  return optimizer.renderPrompt().messages[1]!.content;
}

describe("prompt sections", () => {
  it("renders a small numeric graph section by section", () => {
    const { x, out } = graphScope(() => {
      const x = node(3, {
        trainable: true,
        name: "x",
        description: "how many items",
        constraint: "an integer from 0 to 10",
      });
      const b = node(5, { name: "b" });
      return { x, out: ops.multiply(ops.add(x, b), 2) };
    });
    const opt = new OptoPrime([x]);
    opt.backward(out, "The result should be 20.");
    const prompt = opt.renderPrompt();
    expect(prompt.messages.map((m) => m.role)).toEqual(["system", "user"]);
    const user = prompt.messages[1]!.content;
    expect(section(user, "Instruction")).toBe(
      "Change the values in #Variables so that the outputs earn better feedback: do what #Feedback asks for.",
    );
    expect(section(user, "Code")).toBe("add0 = add(x=x0, y=b0)\nmultiply0 = multiply(x=add0, y=int0)");
    const docs = opt.problem().documentation;
    expect(section(user, "Documentation")).toBe(`[add] ${docs.add}\n[multiply] ${docs.multiply}`);
    expect(section(user, "Variables")).toBe("x0 (number; how many items) = 3");
    expect(section(user, "Constraints")).toBe("x0: an integer from 0 to 10");
    expect(section(user, "Inputs")).toBe("b0 (number) = 5\nint0 (number) = 2");
    expect(section(user, "Others")).toBe("add0 (number) = 8");
    expect(section(user, "Outputs")).toBe("multiply0 (number) = 16");
    expect(section(user, "Feedback")).toBe(
      "Feedback on multiply0:\nThe result should be 20.\n\nReply now with the JSON object described in the instructions.",
    );
    expect(user.indexOf("\n#Code\n")).toBeLessThan(user.indexOf("\n#Variables\n"));
    expect(user).not.toContain("#History");
  });

  it("labels the feedback of each output of a minibatch", () => {
    const { g, o1, o2 } = graphScope(() => {
      const g = node("Hello", { trainable: true, name: "greeting" });
      return {
        g,
        o1: ops.concat(g, node(", John", { name: "name" })),
        o2: ops.concat(g, node(", Juan", { name: "name" })),
      };
    });
    const opt = new OptoPrime([g]);
    opt.backward(o1, "Good.");
    opt.backward(o2, "Wrong language: greet Juan in Spanish.");
    const user = userOf(opt);
    expect(section(user, "Code")).toBe(
      "concat0 = concat(x=greeting0, y=name0)\nconcat1 = concat(x=greeting0, y=name1)",
    );
    expect(section(user, "Variables")).toBe("greeting0 (string) = Hello");
    expect(section(user, "Outputs")).toBe("concat0 (string) = Hello, John\nconcat1 (string) = Hello, Juan");
    expect(section(user, "Feedback").split("\n\nReply now")[0]).toBe(
      "Feedback on concat0 (1 of 2):\nGood.\n\nFeedback on concat1 (2 of 2):\nWrong language: greet Juan in Spanish.",
    );
  });

  it("renders code variables in a fence with a signature constraint", () => {
    const source = 'greet(name) {\n  return "Hola, " + name;\n}';
    const { code, out } = graphScope(() => {
      const code = codeParameter(source);
      const name = node("John", { name: "name" });
      const out = recordOp(
        { name: "greet", description: "Calls the trainable greet method." },
        { __code: code, name },
        (v) => `Hola, ${v.name}`,
      );
      return { code, out };
    });
    const opt = new OptoPrime([code]);
    opt.backward(out, "Greet in English.");
    const user = userOf(opt);
    expect(section(user, "Code")).toBe("greet0 = greet(__code=__code0, name=name0)");
    expect(section(user, "Documentation")).toBe("[greet] Calls the trainable greet method.");
    expect(section(user, "Variables")).toBe(`__code0 (code) =\n\`\`\`js\n${source}\n\`\`\``);
    expect(section(user, "Constraints")).toBe(
      "__code0: keep the signature `greet(name)` (same name, parameters and order); only the body may change.",
    );
    expect(section(user, "Inputs")).toBe("name0 (string) = John");
    expect(section(user, "Outputs")).toBe("greet0 (string) = Hola, John");
  });

  it("uses a code parameter's own constraint and a longer fence when the code holds backticks", () => {
    const source = 'show(x) {\n  return "```" + x;\n}';
    const code = codeParameter(source, {
      constraint: "Keep the signature show(x); only the body may change.",
    });
    const out = recordOp(
      { name: "show", description: "Shows x." },
      { __code: code, x: 1 },
      (v) => `\`\`\`${v.x}`,
    );
    const opt = new OptoPrime([code]);
    opt.backward(out, "ok");
    const user = userOf(opt);
    expect(section(user, "Constraints")).toBe(
      `${code.key}: Keep the signature show(x); only the body may change.`,
    );
    expect(section(user, "Variables")).toBe(`${code.key} (code) =\n\`\`\`\`js\n${source}\n\`\`\`\``);
  });

  it("shows an error output with type error and its feedback", () => {
    const { p, failure } = graphScope(() => {
      const p = node("{bad json", { trainable: true, name: "config" });
      const failure = new ExceptionNode({
        op: "parse",
        inputs: { text: p },
        error: new SyntaxError("Unexpected token b"),
      });
      return { p, failure };
    });
    const opt = new OptoPrime([p]);
    opt.backward(failure, failure.errorFeedback());
    const user = userOf(opt);
    expect(section(user, "Code")).toBe("exception0 = parse(text=config0)");
    expect(section(user, "Outputs")).toBe("exception0 (error) = SyntaxError: Unexpected token b");
    expect(section(user, "Feedback")).toContain(
      "Feedback on exception0:\nparse threw SyntaxError: Unexpected token b",
    );
  });

  it("cuts long values outside #Variables to valueCharBudget with a visible marker, never the variables", () => {
    const { p, out } = graphScope(() => {
      const p = node(`start ${"v".repeat(5000)}`, { trainable: true, name: "prompt" });
      const doc = node("d".repeat(5000), { name: "doc" });
      return { p, out: ops.concat(p, doc) };
    });
    const opt = new OptoPrime([p], { valueCharBudget: 100 });
    opt.backward(out, "shorter");
    const prompt = opt.renderPrompt();
    const user = prompt.messages[1]!.content;
    expect(section(user, "Inputs")).toBe(`doc0 (string) = ${"d".repeat(100)}…[4900 more characters]`);
    expect(section(user, "Outputs")).toBe(
      `concat0 (string) = start ${"v".repeat(94)}…[9906 more characters]`,
    );
    expect(section(user, "Variables")).toBe(`prompt0 (string) = start ${"v".repeat(5000)}`);
    expect(prompt.budget.truncatedValues).toBe(2);
    expect(prompt.budget.cuts).toEqual(["2 values outside #Variables cut to valueCharBudget"]);
  });

  it("multi-line values go in a fence; empty text is shown as quotes", () => {
    const { p, out } = graphScope(() => {
      const p = node("", { trainable: true, name: "suffix" });
      return { p, out: ops.concat(node("line 1\nline 2", { name: "text" }), p) };
    });
    const opt = new OptoPrime([p]);
    opt.backward(out, "add a third line");
    const user = userOf(opt);
    expect(section(user, "Variables")).toBe('suffix0 (string) = ""');
    expect(section(user, "Inputs")).toBe("text0 (string) =\n```\nline 1\nline 2\n```");
  });

  it("the system message explains the sections, the code rule and the reply format", () => {
    expect(SYSTEM_PROMPT).toContain(REPLY_FORMAT);
    for (const s of [
      "#Code",
      "#Documentation",
      "#Variables",
      "#Constraints",
      "#Inputs",
      "#Others",
      "#Outputs",
      "#Feedback",
      "#History",
    ])
      expect(SYSTEM_PROMPT).toContain(s);
    expect(SYSTEM_PROMPT).toMatch(/keep its signature/);
    expect(SYSTEM_PROMPT).toMatch(/TERMINATE/);
    expect(REPLY_FORMAT).toMatch(/"reasoning"[\s\S]*"answer"[\s\S]*"suggestion"/);
  });

  it("uses the objective as #Instruction", () => {
    const x = node(1, { trainable: true });
    const opt = new OptoPrime([x], { objective: "Make the total exactly 10." });
    opt.backward(ops.add(x, 1), "too small");
    expect(section(userOf(opt), "Instruction")).toBe("Make the total exactly 10.");
  });
});

describe("prompt budget", () => {
  it("bounds the prompt of a 10,000-node graph and says what was cut", () => {
    const { p, out } = graphScope(() => wideGraph(2500));
    out.backward("The total length is too large.");
    const opt = new OptoPrime([p]);
    const view = opt.problem();
    expect(view.nodes.length).toBeGreaterThanOrEqual(10_000);

    const unlimited = renderPrompt(view, { promptTokenBudget: Number.POSITIVE_INFINITY });
    const bounded = opt.renderPrompt(view);
    const small = renderPrompt(view, { promptTokenBudget: 4000 });
    expect(unlimited.budget.estimatedTokens).toBeGreaterThan(200_000);
    expect(unlimited.budget.overBudget).toBe(false);
    expect(unlimited.budget.budgetTokens).toBeNull();

    expect(bounded.budget.budgetTokens).toBe(32_000);
    expect(bounded.budget.estimatedTokens).toBeLessThanOrEqual(32_000);
    expect(bounded.budget.estimatedTokens).toBeGreaterThan(25_000);
    expect(small.budget.estimatedTokens).toBeLessThanOrEqual(4000);
    for (const b of [bounded.budget, small.budget]) {
      expect(b.overBudget).toBe(false);
      expect(b.cuts.join("\n")).toMatch(/^#Others: \d+ values cut to 200 characters$/m);
      expect(b.cuts.join("\n")).toMatch(/^#Others: \d+ of 7499 values omitted$/m);
      expect(b.cuts.join("\n")).toMatch(/^#Inputs: \d+ of 2501 values omitted$/m);
      expect(b.cuts.join("\n")).toMatch(/^#Code: \d+ of 7500 lines omitted$/m);
    }
    // a few values nearest the variable and the output stay
    expect(section(bounded.messages[1]!.content, "Others").split("\n")).toHaveLength(11);
    const user = small.messages[1]!.content;
    expect(user).toMatch(/…\[\d+ values omitted to fit the prompt budget\]/);
    // the variable and the feedback are always there, in full
    expect(section(user, "Variables")).toBe("prompt0 (string) = Be concise.");
    expect(user).toContain("Feedback on add2499:\nThe total length is too large.");
    // the first and last operations are kept, the middle is left out
    const code = section(user, "Code").split("\n");
    expect(code[0]).toBe("concat0 = concat(x=doc0, y=prompt0)");
    expect(code.at(-1)).toBe("add2499 = add(x=add2498, y=len2499)");
  });

  it("reports when even the variables do not fit", () => {
    const x = node("x".repeat(10_000), { trainable: true });
    const out = ops.concat(x, "!");
    out.backward("shorter");
    const r = renderPrompt(new OptoPrime([x]).problem(), { promptTokenBudget: 1000 });
    expect(r.budget.overBudget).toBe(true);
    expect(r.budget.cuts.at(-1)).toMatch(/never cut/);
    expect(r.messages[1]!.content).toContain("x".repeat(10_000));
  });

  it("an output made by an operation is not listed as an input", () => {
    const x = node(2, { trainable: true });
    const y = ops.multiply(x, 3);
    y.backward("bigger");
    const view = new OptoPrime([x]).problem();
    expect(view.outputs[0]!.node).toBeInstanceOf(MessageNode);
    expect(section(renderPrompt(view).messages[1]!.content, "Others")).toBe("(none)");
  });
});
