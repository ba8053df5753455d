import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "@jest/globals";
import { traced } from "@trace-ts/core";
import { Agent } from "./fixtures/agent.js";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "fixtures");

/** Runs fixtures/state-child.ts in a new node process (compiling the fixture with `compiler`). */
function runChild(compiler: "swc" | "tsc", statePath: string, questions: readonly string[]) {
  const outPath = join(dirname(statePath), `out-${compiler}.json`);
  const child = spawnSync(
    process.execPath,
    [
      "--import",
      fileURLToPath(new URL("../../../../scripts/ts-loader/register.mjs", import.meta.url)),
      join(fixtures, "state-child.ts"),
      statePath,
      outPath,
      JSON.stringify(questions),
    ],
    {
      encoding: "utf8",
      timeout: 60_000,
      env: {
        ...process.env,
        NODE_OPTIONS: "",
        TRACE_TSC_FILES: compiler === "tsc" ? "fixtures/agent.ts" : "",
      },
    },
  );
  if (child.status !== 0)
    throw new Error(`child (${compiler}) failed with ${child.status}:\n${child.stderr}`);
  return JSON.parse(readFileSync(outPath, "utf8")) as { outputs: unknown[]; capturedSecret: string };
}

describe("state across processes", () => {
  it("state() → a new process (swc or tsc compiled) → loadState() reproduces the outputs", () => {
    const agent = new Agent();
    const questions = ["hello", "hi", "a longer question"];
    const before = questions.map((q) => agent.run(q));

    // what training would do: change values and code
    agent.prompt.data = "Result:";
    agent.scorers[1]!.weight.data = 5;
    traced(agent).answer.setSource(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the string is source code
      "answer(question: string, prefix: string): string {\n  return `${prefix} ${question.toUpperCase()} +${BONUS}`;\n}",
    );
    traced(agent.scorers[0]!).score.setSource("score(x, w) {\n  return clamp(x * w * 3, 0, 40);\n}");
    agent.shout.setSource("function shout(text) { return text + '!!!'; }");
    const expected = questions.map((q) => agent.run(q));
    expect(expected).not.toEqual(before);

    const dir = mkdtempSync(join(tmpdir(), "trace-state-"));
    try {
      const statePath = join(dir, "state.json");
      writeFileSync(statePath, JSON.stringify(agent.state()));

      const parentSecret = traced(agent).secret.getSource();
      for (const compiler of ["swc", "tsc"] as const) {
        const result = runChild(compiler, statePath, questions);
        expect(result.outputs).toEqual(expected);
        if (compiler === "tsc")
          expect(result.capturedSecret).not.toBe(parentSecret); // tsc prints it differently
        else expect(result.capturedSecret).toBe(parentSecret);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
