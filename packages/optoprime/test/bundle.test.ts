import { describe, expect, it } from "@jest/globals";
import { bundle } from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import { OptoPrime } from "@trace-ts/optoprime";
import { answer } from "./helpers/answers.js";

const FIXED =
  'function greet(name, lang) {\n  return lang === "es" ? "Hola, " + name + "!" : "Hello, " + name + "!";\n}';

describe("OptoPrime with bundled trainable code", () => {
  it("rewrites a bundled function from minibatch feedback, after a re-ask for broken code", async () => {
    const greet = bundle(
      // biome-ignore lint/correctness/noUnusedFunctionParameters: the starting program ignores the language; OptoPrime must learn to use it
      function greet(name: string, lang: string): string {
        return `Hola, ${name}!`;
      },
      { trainable: true },
    );
    const code = greet.parameter!;
    const model = new ScriptedModel([
      answer({ [code.key]: "function greet(name, lang) {\n  return lang === 'es' ? 'Hola' : ;\n}" }),
      answer({ [code.key]: FIXED }, "Branch on the language."),
    ]);
    const optimizer = new OptoPrime([code], { model });
    const queries = [
      ["John", "en", "Hello, John!"],
      ["Juan", "es", "Hola, Juan!"],
    ] as const;

    optimizer.zeroFeedback();
    for (const [name, lang, expected] of queries) {
      const out = greet(name, lang);
      optimizer.backward(
        out,
        out.data === expected ? "Correct." : `Wrong: expected "${expected}", got "${out.data}".`,
      );
    }
    const prompt = optimizer.renderPrompt().messages[1]!.content;
    expect(prompt).toContain(
      `#Variables\n${code.key} (code; ${code.description}) =\n\`\`\`js\n${code.data}\n\`\`\``,
    );
    expect(prompt).toMatch(/#Documentation\n\[greet\] [^[]/);
    expect(prompt).toContain(`#Constraints\n${code.key}: ${code.constraint}`);
    expect(prompt).toMatch(
      /Feedback on \w+ \(1 of 2\):\nWrong: expected "Hello, John!", got "Hola, John!"\./,
    );
    expect(prompt).toMatch(/Feedback on \w+ \(2 of 2\):\nCorrect\./);

    const report = await optimizer.step();
    expect(model.callCount).toBe(2);
    expect(model.calls[1]!.request.messages.at(-1)!.content).toContain(`- ${code.key}: `);
    expect(report.error).toBeUndefined();
    expect(report.applied.map((a) => a.key)).toEqual([code.key]);
    for (const [name, lang, expected] of queries) expect(greet(name, lang).data).toBe(expected);
  });
});
