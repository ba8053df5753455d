/**
 * What a new user sees on a first run: parameters named after their model fields in the prompt,
 * and a step that explains why nothing changed when feedback cannot reach the parameters.
 */
import { describe, expect, it } from "@jest/globals";
import { callLLM, graphScope, Model, node, ops } from "@trace-ts/core";
import { noDependencyMessage } from "@trace-ts/core/optimizer";
import { ScriptedModel } from "@trace-ts/core/testing";
import { OptoPrime, SYSTEM_PROMPT } from "@trace-ts/optoprime";
import { answer } from "./helpers/answers.js";

/** A model with an unnamed trainable prompt (the common first attempt). */
class Agent extends Model {
  systemPrompt = node("Answer briefly.", { trainable: true });
  instruction = node("Say hello.", { trainable: true, name: "hint" });
}

describe("a model's unnamed trainable fields in the prompt", () => {
  it("appear under their field name (systemPrompt0), not str0, and answers use that key", async () => {
    await graphScope(async () => {
      const agent = new Agent();
      const model = new ScriptedModel([answer({ systemPrompt0: "Answer in one word." })]);
      const optimizer = new OptoPrime(agent.parameters(), { model });
      const out = ops.concat(agent.systemPrompt, agent.instruction);
      optimizer.backward(out, "too long");
      const user = optimizer.renderPrompt().messages[1]!.content;
      expect(user).toContain("systemPrompt0 (string) = Answer briefly.");
      expect(user).toContain("hint0 (string) = Say hello.");
      expect(user).toContain("concat0 = concat(x=systemPrompt0, y=hint0)");
      expect(user).not.toMatch(/\bstr\d/);
      const report = await optimizer.step();
      expect(report.applied.map((a) => a.key)).toEqual(["systemPrompt0"]);
      expect(agent.systemPrompt.data).toBe("Answer in one word.");
      // saved state stays keyed by the field path
      expect(Object.keys(agent.state().parameters)).toEqual(["systemPrompt", "instruction"]);
    });
  });
});

/** The body of one `#Section` of a problem message. */
function section(user: string, title: string): string {
  const start = user.indexOf(`#${title}\n`);
  const end = user.indexOf("\n\n#", start);
  return user.slice(start + title.length + 2, end < 0 ? undefined : end);
}

describe("#Code and #Inputs", () => {
  it("#Code lists the operations in the order they ran, as the system prompt says", () =>
    graphScope(() => {
      expect(SYSTEM_PROMPT).toContain("#Code: the recorded operations, one per line, in the order they ran");
      const p = node(2, { trainable: true, name: "p" });
      const doubled = ops.multiply(p, 2);
      const shifted = ops.add(p, 3);
      const optimizer = new OptoPrime([p], { model: new ScriptedModel([]) });
      optimizer.backward(ops.subtract(shifted, doubled), "should be 0");
      const user = optimizer.renderPrompt().messages[1]!.content;
      expect(section(user, "Code")).toBe(
        "multiply0 = multiply(x=p0, y=int0)\nadd0 = add(x=p0, y=int1)\nsubtract0 = subtract(x=add0, y=multiply0)",
      );
    }));

  it("the same input string used twice is listed once in #Inputs", () =>
    graphScope(() => {
      const instruction = node("Which language?", { trainable: true, name: "instruction" });
      const query = "Hello, I'm John.";
      const a = ops.concat(instruction, query);
      const b = ops.concat(instruction, query);
      const optimizer = new OptoPrime([instruction], { model: new ScriptedModel([]) });
      optimizer.backward(ops.concat(a, b), "answer with a code");
      const user = optimizer.renderPrompt().messages[1]!.content;
      expect(section(user, "Inputs")).toBe("str0 (string) = Hello, I'm John.");
      expect(section(user, "Code")).toContain("concat1 = concat(x=instruction0, y=str0)");
    }));
});

describe("a step whose parameters got no feedback says why", () => {
  it("backward was not called: says so, and asks the model nothing", async () => {
    const prompt = node("Be brief.", { trainable: true });
    const model = new ScriptedModel([]);
    const report = await new OptoPrime([prompt], { model }).step();
    expect(report.error).toMatch(/^no feedback reached the parameters: you have not called backward/);
    expect(model.callCount).toBe(0);
  });

  it("a graph cut by .data in a template string: names the output and the likely causes", async () => {
    const instruction = node("Which language is this?", { trainable: true, name: "instruction" });
    const model = new ScriptedModel(() => "English");
    const optimizer = new OptoPrime([instruction], { model });
    // the instruction's value is read and put into a template string: the graph is cut
    const reply = await callLLM(null, `${instruction.data} Hello, I'm John.`, { model });
    optimizer.backward(reply, "wrong: answer with a language code");
    expect(optimizer.unreachedFeedback.map((r) => r.output)).toEqual([reply]);
    const calls = model.callCount;
    const report = await optimizer.step();
    expect(model.callCount).toBe(calls);
    expect(report.error).toBe(noDependencyMessage([reply]));
    expect(report.error).toMatch(
      /^feedback was given to outputs that do not depend on these parameters \(callLLM:\d+\)/,
    );
    expect(report.error).toMatch(/read with \.data or peek\(\), or put into a template string or String\(\)/);
    expect(report.error).toMatch(/called directly instead of through traced\(obj\)/);
    expect(report.error).toMatch(/not trainable/);
    expect(report.error).not.toMatch(/you have not called backward/);
    // zeroFeedback() forgets it: the next step says backward was not called
    optimizer.zeroFeedback();
    expect(optimizer.unreachedFeedback).toEqual([]);
    expect((await optimizer.step()).error).toMatch(/you have not called backward/);
  });

  it("an output that does depend on a parameter is not reported as unreached", () => {
    const p = node(1, { trainable: true });
    const optimizer = new OptoPrime([p], { model: new ScriptedModel([]) });
    optimizer.backward(ops.add(p, 1), "bigger");
    optimizer.backward(ops.add(node(2), 1), "unrelated");
    expect(optimizer.unreachedFeedback).toHaveLength(1);
  });

  it("with verbose, backward() says at once that the output does not depend on the parameters", () => {
    const p = node(1, { trainable: true });
    const lines: string[] = [];
    const optimizer = new OptoPrime([p], {
      model: new ScriptedModel([]),
      verbose: true,
      log: (l) => lines.push(l),
    });
    const out = ops.add(node(p.data), 1); // the value was copied out of the node
    optimizer.backward(out, "bigger");
    expect(lines).toEqual([`OptoPrime.backward: ${noDependencyMessage([out])}`]);
  });
});
