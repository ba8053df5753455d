// Under `exactOptionalPropertyTypes`, a possibly-undefined value may be passed to the optional
// settings of callLLM (`{ signal }` with `signal: AbortSignal | undefined`), of a model request, of
// an optimizer step and of a guide context. Type-checked with the typescript compiler API.
import { describe, expect, it } from "@jest/globals";
import { callLLM, node } from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import { typeCheckSnippets } from "../bundle/compile-snippets.js";

describe("optional settings accept undefined under exactOptionalPropertyTypes", () => {
  it("callLLM, generate, step and a guide context type-check with possibly-undefined values", () => {
    const diagnostics = typeCheckSnippets(
      {
        "exact.ts": [
          'import { callLLM, type LanguageModel, node, type Optimizer } from "@trace-ts/core";',
          'import type { GuideContext } from "@trace-ts/trainer";',
          "declare const model: LanguageModel;",
          "declare const optimizer: Optimizer;",
          "declare const signal: AbortSignal | undefined;",
          "declare const temperature: number | undefined;",
          "export async function run(): Promise<string> {",
          '  const prompt = node("Be brief.", { trainable: true });',
          '  const a = await callLLM(prompt, "hi", { model, signal, temperature, maxTokens: undefined, name: undefined });',
          '  await model.generate({ messages: [{ role: "user", content: "x" }], signal });',
          "  await optimizer.step({ signal });",
          "  const context: GuideContext = { index: 0, signal };",
          "  return a.data + String(context.index);",
          "}",
          "// control: the option is on, so this must be an error",
          "const control: { readonly n?: number } = { n: temperature };",
          "export { control };",
        ].join("\n"),
      },
      { exactOptionalPropertyTypes: true },
    );
    const errors = diagnostics.map((d) => `${d.line}: TS${d.code} ${d.message}`);
    expect(errors).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ line: 16, code: 2375 });
  });

  it("a setting given as undefined is left out of the model request", async () => {
    const model = new ScriptedModel(["ok"]);
    const signal: AbortSignal | undefined = undefined;
    const out = await callLLM(node("sys"), "hi", { model, signal, temperature: undefined, maxTokens: 5 });
    expect(out.data).toBe("ok");
    const request = model.calls[0]!.request;
    expect(Object.keys(request).sort()).toEqual(["maxTokens", "messages"]);
  });
});
