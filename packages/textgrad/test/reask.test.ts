import { describe, expect, it } from "@jest/globals";
import { graphScope, node, ops, ParameterNode } from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import { TextGrad, textGradRequestInfo } from "@trace-ts/textgrad";

function numberGraph() {
  return graphScope(() => {
    const p = node(3, { trainable: true, name: "p", constraint: "between 0 and 100" });
    return { p, out: ops.multiply(p, 2) };
  });
}

/** Update answers are taken from `updates` in order; other calls get a sentence. */
function updatesInOrder(...updates: string[]): ScriptedModel {
  const queue = [...updates];
  return new ScriptedModel((request) =>
    textGradRequestInfo(request)?.kind === "update" ? (queue.shift() ?? "nothing left") : "Make it bigger.",
  );
}

describe("TextGrad re-asks unusable answers", () => {
  it("re-asks after an answer without tags, showing the answer and the problem", async () => {
    const { p, out } = numberGraph();
    const model = updatesInOrder("It should be 8.", "<new_value>8</new_value>");
    const optimizer = new TextGrad([p], { model, maxRetries: 2 });
    optimizer.backward(out, "Should be 16.");
    const report = await optimizer.step();
    expect(report.error).toBeUndefined();
    expect(p.data).toBe(8);
    const retry = model.calls.at(-1)!.request.messages;
    expect(retry.at(-2)).toEqual({ role: "assistant", content: "It should be 8." });
    expect(retry.at(-1)!.role).toBe("user");
    expect(retry.at(-1)!.content).toMatch(/no <new_value> … <\/new_value> block/);
    expect(retry.at(-1)!.content).toMatch(/write only the number/);
    expect(report.calls.map((c) => c.purpose)).toEqual([
      `gradient ${out.key} -> ${p.key}`,
      `update ${p.key}`,
      `update ${p.key} (retry 1)`,
    ]);
  });

  it("re-asks after a value of the wrong type, with the conversion's reason", async () => {
    const { p, out } = numberGraph();
    const model = updatesInOrder("<new_value>eight</new_value>", "<new_value> 8 </new_value>");
    const optimizer = new TextGrad([p], { model });
    optimizer.backward(out, "Should be 16.");
    const report = await optimizer.step();
    expect(p.data).toBe(8);
    expect(model.calls.at(-1)!.request.messages.at(-1)!.content).toMatch(/expected a finite number/);
    expect(report.details).toMatchObject({ retries: 1, modelCalls: 3 });
  });

  it("re-asks after an unclosed tag", async () => {
    const { p, out } = numberGraph();
    const model = updatesInOrder("<new_value>8", "<new_value>8</new_value>");
    const optimizer = new TextGrad([p], { model });
    optimizer.backward(out, "Should be 16.");
    await optimizer.step();
    expect(p.data).toBe(8);
    expect(model.calls.at(-1)!.request.messages.at(-1)!.content).toMatch(/not closed/);
  });

  it("re-asks an empty gradient", async () => {
    const { p, out } = numberGraph();
    let first = true;
    const model = new ScriptedModel((request) => {
      const info = textGradRequestInfo(request);
      if (info?.kind === "update") return "<new_value>8</new_value>";
      if (first) {
        first = false;
        return "   ";
      }
      return "Double it.";
    });
    const optimizer = new TextGrad([p], { model });
    optimizer.backward(out, "Should be 16.");
    const report = await optimizer.step();
    expect(p.data).toBe(8);
    expect(report.calls.map((c) => c.purpose)).toContain(`gradient ${out.key} -> ${p.key} (retry 1)`);
  });

  it("gives up after maxRetries: error, rejected value, parameters untouched, atomic over parameters", async () => {
    const { p, q, out } = graphScope(() => {
      const p = node(3, { trainable: true, name: "p" });
      const q = node("x", { trainable: true, name: "q" });
      return { p, q, out: ops.concat(q, p) };
    });
    const model = new ScriptedModel((request) => {
      const info = textGradRequestInfo(request);
      if (info?.kind !== "update") return "Change it.";
      return info.key === q.key ? "<new_value>y</new_value>" : "<new_value>many</new_value>";
    });
    const optimizer = new TextGrad([p, q], { model, maxRetries: 1 });
    optimizer.backward(out, "Wrong.");
    const report = await optimizer.step();
    expect(report.error).toMatch(new RegExp(`TextGrad update ${p.key}: no usable answer after 2 tries`));
    expect(report.errorCode).toBe("UNUSABLE_ANSWER");
    expect(report.error).toMatch(/expected a finite number/);
    expect(report.rejected).toEqual([
      { key: p.key, value: "many", reason: expect.stringMatching(/finite number/) },
    ]);
    expect(report.applied).toEqual([]);
    // q had a usable answer, but a step changes all parameters or none
    expect([p.data, q.data, p.version, q.version]).toEqual([3, "x", 0, 0]);
  });

  it("re-asks code that does not compile, then applies code that does", async () => {
    const code = new ParameterNode("function f(x) {\n  return x;\n}", {
      name: "__code",
      info: { code: true },
      validate: (src) => {
        new Function(`return (${String(src)});`);
      },
    });
    const out = ops.call((source: string) => source.length, ops.identity(code));
    const model = updatesInOrder(
      "<new_value>\nfunction f(x) {\n  return x +;\n}\n</new_value>",
      "<new_value>\n```js\nfunction f(x) {\n  return x + 1;\n}\n```\n</new_value>",
    );
    const optimizer = new TextGrad([code], { model });
    optimizer.backward(out, "Should add one.");
    const report = await optimizer.step();
    expect(report.error).toBeUndefined();
    expect(code.data).toBe("function f(x) {\n  return x + 1;\n}");
    expect(model.calls.at(-1)!.request.messages.at(-1)!.content).toMatch(/SyntaxError|Unexpected/);
    expect(model.calls.at(-1)!.request.messages.at(-1)!.content).toMatch(/Keep its name and its parameters/);
  });
});
