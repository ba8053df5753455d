/**
 * Runs the "Overriding per experiment" example of docs/llm.md as it is written there, so the page
 * cannot drift from the API. The example is plain JavaScript apart from its imports, which are
 * bound to the real modules.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "@jest/globals";
import * as core from "@trace-ts/core";
import * as graph from "@trace-ts/core/graph";
import * as llm from "@trace-ts/core/llm";
import * as optimizer from "@trace-ts/core/optimizer";
import * as provider from "@trace-ts/core/provider";
import * as testing from "@trace-ts/core/testing";

const MARKER = "<!-- docs-example: per-experiment-container -->";
const MODULES: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  "@trace-ts/core": core,
  "@trace-ts/core/graph": graph,
  "@trace-ts/core/llm": llm,
  "@trace-ts/core/optimizer": optimizer,
  "@trace-ts/core/provider": provider,
  "@trace-ts/core/testing": testing,
};

function exampleFromDocs(): string {
  const page = readFileSync(fileURLToPath(new URL("../../../../docs/llm.md", import.meta.url)), "utf8");
  const at = page.indexOf(MARKER);
  expect(at).toBeGreaterThan(-1);
  const block = /```ts\n([\s\S]*?)```/.exec(page.slice(at));
  if (!block) throw new Error(`no ts code block after ${MARKER} in docs/llm.md`);
  return block[1]!;
}

type AsyncFn = (...args: unknown[]) => Promise<Record<string, unknown>>;
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
  ...params: string[]
) => AsyncFn;

/** Binds the example's imports, runs the rest, and returns the listed variables. */
async function run(code: string, results: readonly string[]): Promise<Record<string, unknown>> {
  const names: string[] = [];
  const values: unknown[] = [];
  const body = code.replace(/import\s*\{([^}]*)\}\s*from\s*"([^"]+)";\n?/g, (_all, list: string, from) => {
    const module = MODULES[from];
    if (!module) throw new Error(`the docs example imports ${from}, which this test does not provide`);
    for (const name of list
      .split(",")
      .map((n) => n.trim())
      .filter(Boolean)) {
      if (!(name in module))
        throw new Error(`the docs example imports ${name}, which ${from} does not export`);
      names.push(name);
      values.push(module[name]);
    }
    return "";
  });
  expect(body).not.toMatch(/^\s*import\s/m);
  const fn = new AsyncFunction(...names, `${body}\nreturn { ${results.join(", ")} };`);
  return fn(...values);
}

describe("docs/llm.md: overriding per experiment", () => {
  it("runs as written and leaves the root container untouched", async () => {
    const { experiment, answer } = (await run(exampleFromDocs(), ["experiment", "answer"])) as {
      experiment: core.DependencyContainer;
      answer: core.MessageNode<string>;
    };
    // what the example's comments claim
    expect(answer.data).toBe("4");
    expect(answer.info.model).toBe("openai:gpt-4o-mini");
    expect(core.registeredProviders(experiment)).toEqual(["anthropic", "openai", "openai-compatible"]);
    expect(core.hasDefaultLanguageModel()).toBe(false);
    expect(core.getDefaultLanguageModel(experiment).modelId).toBe("gpt-4o-mini");
    // after unregisterProvider, "openai" in the experiment is the root's built-in again
    const real = await core.resolveLanguageModel("openai:gpt-4o-mini", {
      container: experiment,
      env: { OPENAI_API_KEY: "sk-test-not-real" },
      defaults: false,
    });
    expect(real.constructor.name).toBe("OpenAIChatModel");
    // and the root never saw the scripted provider
    const fromRoot = await core.resolveLanguageModel("openai:gpt-4o-mini", {
      env: { OPENAI_API_KEY: "sk-test-not-real" },
      defaults: false,
    });
    expect(fromRoot.constructor.name).toBe("OpenAIChatModel");
  });
});
