/**
 * Against a model server that is not there (a closed port): training ends quickly with reason
 * `model-unavailable` and the example scripts exit non-zero with one line naming the model error.
 * The scripts run from their TypeScript sources through the repository's loader (no build).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { callLLM, node, RateLimitError } from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import { openaiCompatible } from "@trace-ts/openai";
import { OptoPrime, optoPrimeRequestInfo } from "@trace-ts/optoprime";
import { exactMatch, ModelUnavailableError, readCheckpoint, train } from "@trace-ts/trainer";
import { scriptedGreetingModel } from "../src/greeting/scripted.js";
import { agentCode, trainGreetingAgent } from "../src/greeting/train.js";
import { runExample } from "./helpers/run-example.js";

/** A local port nothing listens on (bound once, then closed). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

describe("a model server that is down", () => {
  let port = 0;
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "trace-outage-"));
    dirs.push(dir);
    return dir;
  };
  beforeAll(async () => {
    port = await closedPort();
  });
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("train() stops with model-unavailable; checkpoint kept, the optimizer never asked", async () => {
    const dir = tempDir();
    const model = openaiCompatible("llama3.1", `http://127.0.0.1:${port}/v1`, { timeoutMs: 5000 });
    const instruction = node("Answer with the number only.", { trainable: true, name: "instruction" });
    const optimizerModel = new ScriptedModel(['{"reasoning": "", "answer": "", "suggestion": {}}'], {
      whenExhausted: "repeat-last",
    });
    const started = performance.now();
    const result = await train({
      optimizer: new OptoPrime([instruction], { model: optimizerModel }),
      forward: (question: string, context) =>
        callLLM(instruction, question, { model, signal: context.signal }),
      guide: exactMatch(),
      train: Array.from({ length: 8 }, (_, i) => ({
        id: `q${i}`,
        input: `${i} + 1?`,
        target: String(i + 1),
      })),
      batchSize: 4,
      checkpoint: join(dir, "checkpoint.json"),
      progress: false,
    });
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(result.reason).toBe("model-unavailable");
    expect(result.message).toMatch(/ProviderError/);
    expect(result.message).toContain(`127.0.0.1:${port}`);
    expect(result.steps).toBe(0);
    expect(optimizerModel.callCount).toBe(0);
    expect(instruction.data).toBe("Answer with the number only.");
    expect((await readCheckpoint(join(dir, "checkpoint.json"))).step).toBe(0);
  });

  it("the word-problem example exits with code 1 and one line naming the model error", async () => {
    const out = tempDir();
    const run = await runExample("train-word-problems.ts", ["--out", out], {
      TRACE_MODEL: `openai-compatible:llama3.1@http://127.0.0.1:${port}/v1`,
    });
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^model unavailable: 5 examples in a row failed .*; last error: ProviderError: /,
    );
    expect(lines[0]).toContain("ProviderError");
    expect(lines[0]).toContain(`--resume ${out}`);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it("the greeting demo exits with code 1 and one line when the outage reaches it uncaught", async () => {
    const run = await runExample("greeting/main.ts", [], {
      TRACE_MODEL: `openai-compatible:llama3.1@http://127.0.0.1:${port}/v1`,
    });
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^model unavailable: ProviderError: /);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it("the optimizer-swapping example stops at the optimizer's outage with exit code 1", async () => {
    const run = await runExample("swap-optimizer.ts", [], {
      TRACE_MODEL: `openai-compatible:llama3.1@http://127.0.0.1:${port}/v1`,
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("step 1:");
    expect(run.stdout).not.toContain("step 2:");
    const lines = run.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^model unavailable: OptoPrime propose: the model call failed: ProviderError: /);
  }, 60_000);

  it("the greeting loop stops when the optimizer reports an outage", async () => {
    const error = await trainGreetingAgent({
      model: (agent) => {
        const script = scriptedGreetingModel(agentCode(agent));
        return new ScriptedModel(async (request) =>
          optoPrimeRequestInfo(request) !== undefined
            ? new RateLimitError("429: slow down")
            : (await script.generate(request)).text,
        );
      },
      log: () => {},
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelUnavailableError);
    expect((error as Error).message).toMatch(/^1 optimizer call failed .*RateLimitError: 429: slow down/);
  });
});
