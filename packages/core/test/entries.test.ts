/**
 * The package's entry points: the main entry stays small (at most 165 names — raised from 160 for
 * `tool` and `LLMTool`, the user-facing half of tool calling; the rest lives behind
 * subpaths), every subpath in package.json has a source entry, and each name is reachable from
 * exactly the entries it is meant for.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "@jest/globals";
import { exportedNames } from "../../../scripts/count-exports.mjs";

const src = (file: string) => fileURLToPath(new URL(`../src/${file}`, import.meta.url));
const MAIN_LIMIT = 165;

describe("entry points of @trace-ts/core", () => {
  const main = exportedNames(src("index.ts"));

  test(`the main entry exports at most ${MAIN_LIMIT} names`, () => {
    expect(main.length).toBeGreaterThan(100);
    expect(main.length).toBeLessThanOrEqual(MAIN_LIMIT);
  });

  test("every subpath of package.json has an entry file, and they export what their audience needs", async () => {
    const pkg = JSON.parse(readFileSync(src("../package.json"), "utf8")) as {
      exports: Record<string, unknown>;
    };
    const subpaths = Object.keys(pkg.exports).filter((k) => k !== "." && k !== "./testing");
    expect(subpaths.sort()).toEqual(["./graph", "./instrumentation", "./llm", "./optimizer", "./provider"]);
    const names = Object.fromEntries(subpaths.map((s) => [s, exportedNames(src(`entry/${s.slice(2)}.ts`))]));
    // provider authors: the contract, errors, abort wiring, failure mapping, redaction
    expect(names["./provider"]).toEqual(
      expect.arrayContaining([
        "LanguageModel",
        "CallSignal",
        "providerFailureToError",
        "registerSecret",
        "ProviderFactory",
        "toolFieldsProblem",
        "abortable",
        "ToolDefinition",
      ]),
    );
    // optimizer authors: the kernel
    expect(names["./optimizer"]).toEqual(
      expect.arrayContaining([
        "ModelOptimizer",
        "askModel",
        "optimizerRegistration",
        "checkAtLeast",
        "stripFence",
      ]),
    );
    // the language-model layer
    expect(names["./llm"]).toEqual(
      expect.arrayContaining(["responseCache", "enforceBudget", "rateLimit", "Budget"]),
    );
    // nothing users need daily is only behind a subpath
    for (const name of [
      "node",
      "bundle",
      "model",
      "Optimizer",
      "callLLM",
      "tool",
      "createOptimizer",
      "withDefaults",
    ])
      expect(main).toContain(name);
  });

  test("a name exported by several entries is the same object in each", async () => {
    const core = await import("@trace-ts/core");
    const llm = await import("@trace-ts/core/llm");
    const provider = await import("@trace-ts/core/provider");
    expect(llm.CancelledError).toBe(core.CancelledError);
    expect(provider.CancelledError).toBe(core.CancelledError);
    expect(llm.withDefaults).toBe(core.withDefaults);
  });
});
