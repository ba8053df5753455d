/**
 * The answer format shown to the model uses a made-up key and a placeholder line no model could
 * mean as a value; an answer that copies the placeholder is refused and asked again.
 */
import { describe, expect, it } from "@jest/globals";
import { node, ops } from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import { Opro, readSolution, valueBlock } from "@trace-ts/opro";
import { VALUE_PLACEHOLDER } from "../src/prompt.js";

describe("OPRO's answer format", () => {
  it("shows a made-up key and a placeholder, says both must be replaced, and lists the real keys", async () => {
    const prompt = node("Be brief.", { trainable: true, name: "prompt" });
    const model = new ScriptedModel([`Shorter.\n${valueBlock(prompt.key, "Be very brief.")}`]);
    const optimizer = new Opro([prompt], { model });
    optimizer.backward(ops.concat(prompt, "!"), { score: 0.2, feedback: "too long" });
    await optimizer.step();
    const user = model.prompts[0]!;
    const answerPart = user.split("## Your answer")[1]!;
    expect(answerPart).toContain(`<value name="KEY">\n${VALUE_PLACEHOLDER}\n</value>`);
    expect(answerPart).toContain(`Replace KEY with a variable's key (${prompt.key})`);
    expect(answerPart).toMatch(/an answer that still holds a placeholder is refused/);
    // no real key next to a copyable placeholder
    expect(answerPart).not.toContain(`<value name="${prompt.key}">`);
    expect(user).not.toContain("the new value\n</value>");
    expect(prompt.data).toBe("Be very brief.");
  });

  it("refuses a verbatim copy of the placeholder, sends the problem back, and takes the fixed answer", async () => {
    const prompt = node("Be brief.", { trainable: true, name: "prompt" });
    const model = new ScriptedModel([
      `Analysis.\n${valueBlock(prompt.key, VALUE_PLACEHOLDER)}`,
      `Analysis.\n${valueBlock(prompt.key, "Answer in one word.")}`,
    ]);
    const optimizer = new Opro([prompt], { model });
    optimizer.backward(ops.concat(prompt, "!"), { score: 0.2, feedback: "too long" });
    const report = await optimizer.step();
    expect(model.callCount).toBe(2);
    const reask = model.calls[1]!.request.messages.at(-1)!.content;
    expect(reask).toContain(
      `Your answer could not be used:\n- the block for ${prompt.key} still holds the placeholder`,
    );
    expect(reask).toContain(`<value name="KEY">\n${VALUE_PLACEHOLDER}\n</value>`);
    expect(report.error).toBeUndefined();
    expect(prompt.data).toBe("Answer in one word.");
  });

  it("a copy of the made-up key alone is refused too (it is not a variable)", async () => {
    const prompt = node("Be brief.", { trainable: true, name: "prompt" });
    const model = new ScriptedModel([`${valueBlock("KEY", "Shorter.")}`], { whenExhausted: "repeat-last" });
    const optimizer = new Opro([prompt], { model, maxRetries: 0 });
    optimizer.backward(ops.concat(prompt, "!"), { score: 0.2, feedback: "too long" });
    const report = await optimizer.step();
    expect(report.error).toContain(`'KEY' is not one of the variables (${prompt.key})`);
    expect(prompt.data).toBe("Be brief.");
  });

  it.each([
    VALUE_PLACEHOLDER,
    "replace this line with the complete new value",
    ` [[REPLACE THIS LINE WITH THE COMPLETE NEW VALUE]] `,
  ])("readSolution refuses the placeholder %j", (value) => {
    const reading = readSolution(`<value name="a0">${value}</value>`);
    expect(reading).toEqual({
      ok: false,
      problem: `the block for a0 still holds the placeholder ${VALUE_PLACEHOLDER} from the answer format: write the variable's new value in its place`,
    });
  });

  it("a value that merely mentions the placeholder's words is kept", () => {
    const text =
      '<value name="a0">Please replace this line with the complete new value of the report.</value>';
    expect(readSolution(text)).toMatchObject({ ok: true });
  });
});
