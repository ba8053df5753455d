/**
 * Record and replay of model calls (`responseCache({ cassette })`, `withDefaults(model, { cassette })`):
 * a recording replays to identical results without calling the model; a call the recording does
 * not hold fails loudly and stops evaluation and training; broken files give typed errors.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import {
  callLLM,
  feedbackToText,
  type GenerateRequest,
  graphScope,
  type LanguageModel,
  node,
  Optimizer,
  type ParameterNode,
  type Proposal,
  rootErrorCode,
  type StepOptions,
  UsageTracker,
  withDefaults,
} from "@trace-ts/core";
import {
  CASSETTE_FORMAT,
  CASSETTE_VERSION,
  Cassette,
  CassetteFileError,
  CassetteMissError,
  type CassetteProblem,
  registerSecret,
  responseCache,
  WrappedModel,
  wrapModel,
} from "@trace-ts/core/llm";
import { ModelCallLog } from "@trace-ts/core/optimizer";
import { ScriptedModel } from "@trace-ts/core/testing";
import { evaluate, exactMatch, train } from "@trace-ts/trainer";
import { req } from "./request.js";

/** A model that must never be called (replay): any call throws. */
const silent = (modelId = "m") => new ScriptedModel([], { modelId });

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "trace-cassette-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function lines(path: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(path, "utf8");
  return text
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Runs `fn` and returns what it threw, failing when it did not throw. */
async function thrown(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

describe("record then replay", () => {
  it("replays identical results without calling the model, marked cached", async () => {
    const path = join(dir, "run.jsonl");
    const base = new ScriptedModel(
      (r, i) => ({ text: `#${i} ${r.messages.at(-1)!.content}`, raw: { big: true } }),
      {
        modelId: "m",
      },
    );
    const recording = wrapModel(base, responseCache({ cassette: { path, mode: "record" } }));
    const requests = [
      req("a"),
      req("b", { temperature: 0.3 }),
      req("c", { responseFormat: { type: "json" } }),
    ];
    const recorded = [];
    for (const r of requests) recorded.push(await recording.generate(r));
    expect(base.callCount).toBe(3);

    const file = await lines(path);
    expect(file[0]).toMatchObject({ format: CASSETTE_FORMAT, version: CASSETTE_VERSION });
    expect(file).toHaveLength(4);
    expect(file[1]).toMatchObject({ seq: 0, model: "scripted:m", result: { text: "#0 a" } });
    expect(file[1]!.result).not.toHaveProperty("raw");
    expect((file[1]!.request as { messages: unknown }).messages).toEqual([
      ["system", "be brief"],
      ["user", "a"],
    ]);

    const replayBase = silent();
    const replaying = wrapModel(replayBase, responseCache({ cassette: { path, mode: "replay" } }));
    for (let i = 0; i < requests.length; i++) {
      const again = await replaying.generate(requests[i]!);
      const { raw: _raw, ...without } = recorded[i]!;
      expect(again).toEqual({ ...without, cached: true });
    }
    expect(replayBase.callCount).toBe(0);
  });

  it("records every concurrent call, one whole line each, numbered in arrival order", async () => {
    const path = join(dir, "concurrent.jsonl");
    // later calls finish first: lines are written out of order, seq keeps the arrival order
    const base = new ScriptedModel((r) => r.messages.at(-1)!.content, { latencyMs: 1, modelId: "m" });
    const slowFirst = wrapModel(base, (model) => ({
      specificationVersion: model.specificationVersion,
      provider: model.provider,
      modelId: model.modelId,
      generate: async (r: GenerateRequest) => {
        const n = Number(r.messages.at(-1)!.content.slice(1));
        await new Promise((resolve) => setTimeout(resolve, (40 - n) % 7));
        return model.generate(r);
      },
    }));
    const cassette = new Cassette({ path, mode: "record" });
    const model = wrapModel(slowFirst, responseCache({ cassette }));
    const prompts = Array.from({ length: 40 }, (_, i) => `q${i}`);
    // plus 10 identical requests sharing one call (dedupe): each caller is recorded too
    await Promise.all([
      ...prompts.map((p) => model.generate(req(p))),
      ...Array.from({ length: 10 }, () => model.generate(req("same"))),
    ]);
    expect(cassette.size).toBe(50);
    const entries = (await lines(path)).slice(1);
    expect(entries).toHaveLength(50);
    expect(new Set(entries.map((e) => e.seq)).size).toBe(50);
    const bySeq = new Map(entries.map((e) => [e.seq as number, (e.result as { text: string }).text]));
    for (let i = 0; i < 40; i++) expect(bySeq.get(i)).toBe(`q${i}`);
    expect(entries.filter((e) => (e.result as { text: string }).text === "same")).toHaveLength(10);
    expect(base.callCount).toBe(41);
    // and the whole recording replays
    const replay = wrapModel(silent(), responseCache({ cassette: { path, mode: "replay" } }));
    const answers = await Promise.all(prompts.map((p) => replay.generate(req(p))));
    expect(answers.map((a) => a.text)).toEqual(prompts);
  });

  it("replays several recordings of one request in recorded order, then repeats the last", async () => {
    const path = join(dir, "repeat.jsonl");
    const base = new ScriptedModel((_r, i) => `v${i}`, { modelId: "m" });
    // no cache asked for: withDefaults only records, so every repeat reaches the model
    const recording = withDefaults(base, { retry: false, cassette: { path, mode: "record" } });
    for (let i = 0; i < 3; i++) await recording.generate(req("q"));
    // a cache: false call under a cache is recorded too
    const cached = wrapModel(
      new ScriptedModel(["x0", "x1"], { modelId: "m" }),
      responseCache({
        cassette: { path: join(dir, "nocache.jsonl"), mode: "record" },
      }),
    );
    await cached.generate(req("r", { cache: false }));
    await cached.generate(req("r", { cache: false }));

    const replay = withDefaults(silent(), { cassette: { path, mode: "replay" } });
    const texts = [];
    for (let i = 0; i < 5; i++) texts.push((await replay.generate(req("q"))).text);
    expect(texts).toEqual(["v0", "v1", "v2", "v2", "v2"]);
    const replay2 = wrapModel(
      silent(),
      responseCache({ cassette: { path: join(dir, "nocache.jsonl"), mode: "replay" } }),
    );
    expect((await replay2.generate(req("r", { cache: false }))).text).toBe("x0");
    expect((await replay2.generate(req("r"))).text).toBe("x1");
  });
});

describe("a call the cassette does not hold", () => {
  it("throws CassetteMissError naming the cassette, the model and the message, and how to re-record", async () => {
    const path = join(dir, "miss.jsonl");
    await wrapModel(
      new ScriptedModel(["ok"], { modelId: "m" }),
      responseCache({ cassette: { path, mode: "record" } }),
    ).generate(req("known"));
    const base = silent("other");
    const replay = wrapModel(base, responseCache({ cassette: { path, mode: "replay" } }));
    const long = `Please summarise the attached report with key sk-live0123456789abcdef ${"and more ".repeat(30)}`;
    const error = await thrown(() => replay.generate(req(long)));
    expect(error).toBeInstanceOf(CassetteMissError);
    const miss = error as CassetteMissError;
    expect(miss.code).toBe("LLM_CASSETTE_MISS");
    expect(miss.stopsRun).toBe("budget");
    expect(miss.retryable).toBe(false);
    expect(miss.message).toContain(path);
    expect(miss.message).toContain("scripted:other");
    expect(miss.message).toContain("holds calls of scripted:m only");
    expect(miss.message).toContain('"Please summarise the attached report with key [REDACTED]');
    expect(miss.message).not.toContain("sk-live0123456789abcdef");
    expect(miss.message).not.toContain("and more and more and more and more and more and more and more");
    expect(miss.message).toContain('mode: "record", overwrite: true');
    expect(base.callCount).toBe(0);
  });

  it("makes evaluate() reject at once instead of scoring the miss as feedback", async () => {
    const path = join(dir, "eval.jsonl");
    const instruction = node("Reply with the sum.", { trainable: true, name: "instruction" });
    const agent = (model: LanguageModel) => (question: string) => callLLM(instruction, question, { model });
    const data = Array.from({ length: 4 }, (_, i) => ({
      id: `q${i}`,
      input: `What is ${i} + 1?`,
      target: String(i + 1),
    }));
    const recordModel = withDefaults(
      new ScriptedModel((r) => String(Number(/(\d+) \+/.exec(r.messages.at(-1)!.content)![1]) + 1), {
        modelId: "m",
      }),
      {
        cassette: { path, mode: "record" },
      },
    );
    const recorded = await evaluate({
      forward: agent(recordModel),
      guide: exactMatch(),
      dataset: data,
      concurrency: 1,
    });
    expect(recorded.mean).toBe(1);

    const base = silent();
    const replayModel = withDefaults(base, { cassette: { path, mode: "replay" } });
    const replayed = await evaluate({
      forward: agent(replayModel),
      guide: exactMatch(),
      dataset: data,
      concurrency: 2,
    });
    expect(replayed.scores).toEqual(recorded.scores);

    const extra = [...data, { id: "new", input: "What is 40 + 1?", target: "41" }];
    const error = await thrown(() =>
      evaluate({ forward: agent(replayModel), guide: exactMatch(), dataset: extra, concurrency: 1 }),
    );
    expect(error).toBeInstanceOf(CassetteMissError);
    expect((error as Error).message).toContain("What is 40 + 1?");
    expect(base.callCount).toBe(0);
  });
});

describe("cassette files", () => {
  const header = JSON.stringify({
    format: CASSETTE_FORMAT,
    version: 1,
    keyVersion: 1,
    createdAt: "2025-01-01T00:00:00Z",
  });
  const entry = (seq: number) =>
    JSON.stringify({
      seq,
      key: "a".repeat(64),
      model: "scripted:m",
      request: {},
      result: { text: "t", usage: { inputTokens: 1, outputTokens: 1 }, finishReason: "stop", model: "m" },
    });

  async function problemOf(
    text: string | undefined,
    limits: { maxBytes?: number; maxEntries?: number } = {},
  ) {
    const path = join(dir, "c.jsonl");
    if (text !== undefined) await writeFile(path, text);
    const error = await thrown(() => new Cassette({ path, mode: "replay", ...limits }));
    expect(error).toBeInstanceOf(CassetteFileError);
    const e = error as CassetteFileError;
    expect(e.code).toBe("LLM_CASSETTE_FILE");
    expect(e.message).toContain(path);
    expect(e.path).toBe(path);
    return { problem: e.problem as CassetteProblem, line: e.line, message: e.message };
  }

  it("reads a well-formed file", async () => {
    const path = join(dir, "ok.jsonl");
    await writeFile(path, `${header}\n${entry(0)}\n${entry(1)}\n`);
    expect(new Cassette({ path, mode: "replay" }).size).toBe(2);
  });

  it("names the problem of a missing, foreign, unknown-version, cut-off or corrupt file", async () => {
    expect(await problemOf(undefined)).toMatchObject({ problem: "missing", line: undefined });
    expect(await problemOf("")).toMatchObject({ problem: "not-a-cassette", line: 1 });
    expect(await problemOf(`${JSON.stringify({ format: "something-else", version: 1 })}\n`)).toMatchObject({
      problem: "not-a-cassette",
      line: 1,
    });
    const v2 = await problemOf(`${JSON.stringify({ format: CASSETTE_FORMAT, version: 2, keyVersion: 1 })}\n`);
    expect(v2).toMatchObject({ problem: "unknown-version", line: 1 });
    expect(v2.message).toContain("version 2 is not supported");
    expect(
      await problemOf(`${JSON.stringify({ format: CASSETTE_FORMAT, version: 1, keyVersion: 99 })}\n`),
    ).toMatchObject({
      problem: "key-version",
    });
    const cut = await problemOf(`${header}\n${entry(0)}\n${entry(1).slice(0, 40)}`);
    expect(cut).toMatchObject({ problem: "truncated", line: 3 });
    expect(cut.message).toContain("line 3");
    const corrupt = await problemOf(`${header}\n${entry(0)}\n{"seq": 1, oops\n${entry(2)}\n`);
    expect(corrupt).toMatchObject({ problem: "corrupt-line", line: 3 });
    expect(corrupt.message).toContain("not valid JSON");
    expect(await problemOf(`${header}\n${entry(0).replace('"text":"t"', '"text":5')}\n`)).toMatchObject({
      problem: "corrupt-line",
      line: 2,
    });
    expect(await problemOf(`${header}\n${entry(0)}\n${entry(0)}\n`)).toMatchObject({
      problem: "corrupt-line",
      line: 3,
    });
  });

  it("caps the file size and the number of entries", async () => {
    const text = `${header}\n${entry(0)}\n${entry(1)}\n`;
    expect(await problemOf(text, { maxBytes: 100 })).toMatchObject({ problem: "too-large" });
    expect(await problemOf(text, { maxEntries: 1 })).toMatchObject({ problem: "too-many-entries" });
  });

  it("refuses to record over an existing file unless overwrite is set", async () => {
    const path = join(dir, "existing.jsonl");
    await writeFile(path, "precious\n");
    const error = await thrown(() => responseCache({ cassette: { path, mode: "record" } }));
    expect(error).toBeInstanceOf(CassetteFileError);
    expect((error as CassetteFileError).problem).toBe("exists");
    expect((error as Error).message).toContain("overwrite: true");
    expect(await readFile(path, "utf8")).toBe("precious\n");
    const model = wrapModel(
      new ScriptedModel(["fresh"]),
      responseCache({ cassette: { path, mode: "record", overwrite: true } }),
    );
    await model.generate(req("q"));
    const text = await readFile(path, "utf8");
    expect(text).not.toContain("precious");
    expect(await lines(path)).toHaveLength(2);
  });

  it("fails the call with CassetteFileError when its line cannot be written", async () => {
    const sub = join(dir, "gone");
    await mkdir(sub);
    const model = wrapModel(
      new ScriptedModel(["a"]),
      responseCache({ cassette: { path: join(sub, "c.jsonl"), mode: "record" } }),
    );
    await rm(sub, { recursive: true });
    const error = await thrown(() => model.generate(req("q")));
    expect(error).toBeInstanceOf(CassetteFileError);
    expect(error).toMatchObject({ problem: "io", stopsRun: "outage" });
  });

  it("validates its options", () => {
    const path = join(dir, "x.jsonl");
    expect(() => new Cassette({ path, mode: "play" as "replay" })).toThrow(/mode/);
    expect(() => new Cassette({ path: "", mode: "record" })).toThrow(/path/);
    expect(() => new Cassette({ path, mode: "replay", maxBytes: 0 })).toThrow(/maxBytes/);
    expect(() => new Cassette({ path, mode: "record", ovewrite: true } as never)).toThrow(/ovewrite/);
    expect(existsSync(path)).toBe(false);
  });
});

describe("secrets", () => {
  it("are redacted in the recorded requests, and the recording still replays", async () => {
    const path = join(dir, "secrets.jsonl");
    const registered = "correct-horse-battery-staple-42";
    registerSecret(registered);
    const base = new ScriptedModel(["done"], { modelId: "m" });
    const request = req(`use ${registered} and sk-proj-ABCDEFGHIJKLMNOP1234 and ${"own-secret-value"}`);
    const model = withDefaults(base, { cassette: { path, mode: "record", secrets: ["own-secret-value"] } });
    await model.generate(request);
    const text = await readFile(path, "utf8");
    expect(text).not.toContain(registered);
    expect(text).not.toContain("sk-proj-ABCDEFGHIJKLMNOP1234");
    expect(text).not.toContain("own-secret-value");
    expect(text).toContain("[REDACTED]");
    const replay = withDefaults(silent(), { cassette: { path, mode: "replay" } });
    expect((await replay.generate(request)).text).toBe("done");
  });
});

describe("withDefaults({ cassette })", () => {
  /** Middleware names from the outside in. */
  const layers = (model: LanguageModel): string[] => {
    const out: string[] = [];
    for (let m: LanguageModel = model; m instanceof WrappedModel; m = m.inner) out.push(m.middleware);
    return out;
  };

  it("replays in the cache layer: outside retry, rate limit and budget, counted as free cached calls", async () => {
    const path = join(dir, "defaults.jsonl");
    const recordUsage = new UsageTracker();
    const recording = withDefaults(new ScriptedModel(["a", "b"], { modelId: "m" }), {
      cassette: { path, mode: "record" },
      usage: recordUsage,
      concurrency: 2,
      budget: { maxTokens: 10_000 },
    });
    expect(layers(recording)).toEqual(["trackUsage", "responseCache", "retry", "rateLimit", "enforceBudget"]);
    await recording.generate(req("one"));
    await recording.generate(req("two"));
    expect(recordUsage.totals().cachedCalls).toBe(0);

    const usage = new UsageTracker();
    const base = silent();
    const replay = withDefaults(base, {
      cassette: { path, mode: "replay" },
      usage,
      concurrency: 1,
      budget: { maxTokens: 1 }, // would refuse any real call
    });
    expect(layers(replay)).toEqual(["trackUsage", "responseCache", "retry", "rateLimit", "enforceBudget"]);
    const results = await Promise.all([replay.generate(req("one")), replay.generate(req("two"))]);
    expect(results.map((r) => [r.text, r.cached])).toEqual([
      ["a", true],
      ["b", true],
    ]);
    expect(usage.totals()).toMatchObject({ calls: 2, cachedCalls: 2, cost: 0 });
    expect(base.callCount).toBe(0);
  });

  it("adds the cassette to a cache the user asked for, and refuses it twice", async () => {
    const path = join(dir, "with-cache.jsonl");
    const base = new ScriptedModel(["a", "b"], { modelId: "m" });
    const model = withDefaults(base, { cache: true, cassette: { path, mode: "record" } });
    await model.generate(req("q"));
    const hit = await model.generate(req("q"));
    expect(hit.cached).toBe(true); // the memory tier answered …
    expect(base.callCount).toBe(1);
    expect(await lines(path)).toHaveLength(3); // … and both calls were recorded
    expect(() =>
      withDefaults(base, {
        cache: { cassette: { path, mode: "replay" } },
        cassette: { path, mode: "replay" },
      }),
    ).toThrow(/cassette once/);
  });
});

/** A small optimizer: asks its model for `{"suggestion": {key: value}}` from VAR and FEEDBACK lines. */
class SuggestingOptimizer extends Optimizer {
  readonly name = "SuggestingOptimizer";
  readonly #model: LanguageModel;

  constructor(parameters: Iterable<ParameterNode>, model: LanguageModel) {
    super(parameters);
    this.#model = model;
  }

  async propose(options: StepOptions = {}): Promise<Proposal> {
    const view = this.problem();
    const prompt = [
      ...view.variables.map((v) => `VAR ${v.key} = ${JSON.stringify(v.value)}`),
      ...view.feedback.map((f) => `FEEDBACK ${f.key}: ${feedbackToText(f.feedback)}`),
    ].join("\n");
    const log = new ModelCallLog();
    try {
      const result = await log.generate(
        this.#model,
        {
          messages: [{ role: "user", content: prompt }],
          ...(options.signal ? { signal: options.signal } : {}),
        },
        "propose",
      );
      const suggestion = (JSON.parse(result.text) as { suggestion: Record<string, unknown> }).suggestion;
      const { updates, rejected } = this.prepareUpdates(view, suggestion);
      return { updates, rejected, suggestion, terminate: false, calls: log.calls };
    } catch (error) {
      const code = rootErrorCode(error);
      return {
        updates: new Map(),
        suggestion: {},
        rejected: [],
        terminate: false,
        error: String(error),
        ...(code === undefined ? {} : { errorCode: code }),
        calls: log.calls,
      };
    }
  }
}

/** The agent model of the training run: digits only when the instruction says so. */
function adderReply(r: GenerateRequest): string {
  const system = r.messages.find((m) => m.role === "system")?.content ?? "";
  const [, a, b] = /(\d+) \+ (\d+)/.exec(r.messages.at(-1)!.content)!;
  const sum = Number(a) + Number(b);
  return /digits only/.test(system) ? String(sum) : `The sum is ${sum}.`;
}

/** Removes what differs between two runs of the same computation: times, durations, run ids. */
function normalized(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalized);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (/(At|Ms|Time|time|runId|Seconds)$/.test(k) || k === "cached" || k === "cachedCalls") continue;
    out[k] = normalized(v);
  }
  return out;
}

describe("a training run", () => {
  async function run(options: {
    agentModel: LanguageModel;
    optimizerModel: LanguageModel;
    log: string;
    instruction?: string;
  }) {
    // a naming scope of its own: node keys (part of the optimizer's prompt) match between runs
    return graphScope(() => runInScope(options));
  }

  async function runInScope(options: {
    agentModel: LanguageModel;
    optimizerModel: LanguageModel;
    log: string;
    instruction?: string;
  }) {
    const instruction = node(options.instruction ?? "Add the numbers.", {
      trainable: true,
      name: "instruction",
      description: "system prompt",
    });
    const optimizer = new SuggestingOptimizer([instruction], options.optimizerModel);
    const data = Array.from({ length: 6 }, (_, i) => ({
      id: `q${i}`,
      input: `What is ${i} + ${i * 3}?`,
      target: String(i * 4),
    }));
    const result = await train({
      agent: { parameters: () => [instruction] },
      optimizer,
      forward: (question: string, context: { signal: AbortSignal }) =>
        callLLM(instruction, question, { model: options.agentModel, signal: context.signal, name: "answer" }),
      guide: exactMatch(),
      train: data.slice(0, 4),
      validation: data.slice(4),
      batchSize: 2,
      epochs: 2,
      concurrency: 2,
      log: options.log,
      progress: false,
    });
    return { result, instruction: instruction.data };
  }

  it("replays a whole run from its cassette to identical parameters and log, calling no model", async () => {
    const path = join(dir, "train.jsonl");
    const cassette = new Cassette({ path, mode: "record" });
    const agentBase = new ScriptedModel(adderReply, { modelId: "agent", latencyMs: 1 });
    const optimizerBase = new ScriptedModel(
      (r) =>
        JSON.stringify({
          suggestion: {
            [/VAR (\S+) =/.exec(r.messages.at(-1)!.content)![1]!]: "Add the numbers. Reply with digits only.",
          },
        }),
      { modelId: "optimizer" },
    );
    const recorded = await run({
      agentModel: withDefaults(agentBase, { cassette }),
      optimizerModel: withDefaults(optimizerBase, { cassette }),
      log: join(dir, "recorded.jsonl"),
    });
    expect(recorded.instruction).toBe("Add the numbers. Reply with digits only.");
    expect(agentBase.callCount).toBeGreaterThan(8);
    expect(optimizerBase.callCount).toBeGreaterThan(0);
    expect(cassette.size).toBe(agentBase.callCount + optimizerBase.callCount);

    const replayCassette = new Cassette({ path, mode: "replay" });
    const agentSilent = silent("agent");
    const optimizerSilent = silent("optimizer");
    const replayed = await run({
      agentModel: withDefaults(agentSilent, { cassette: replayCassette }),
      optimizerModel: withDefaults(optimizerSilent, { cassette: replayCassette }),
      log: join(dir, "replayed.jsonl"),
    });
    expect(agentSilent.callCount + optimizerSilent.callCount).toBe(0);
    expect(replayed.instruction).toBe(recorded.instruction);
    expect(normalized(replayed.result)).toEqual(normalized(recorded.result));
    const logOf = async (file: string) => normalized(await lines(join(dir, file)));
    expect(await logOf("replayed.jsonl")).toEqual(await logOf("recorded.jsonl"));
  });

  it("stops at the first call the cassette does not hold, without showing it to the optimizer", async () => {
    const path = join(dir, "train-miss.jsonl");
    const cassette = new Cassette({ path, mode: "record" });
    await run({
      agentModel: withDefaults(new ScriptedModel(adderReply, { modelId: "agent" }), { cassette }),
      optimizerModel: withDefaults(
        new ScriptedModel(['{"suggestion": {}}'], { modelId: "optimizer", whenExhausted: "repeat-last" }),
        {
          cassette,
        },
      ),
      log: join(dir, "recorded.jsonl"),
    });
    const replayCassette = new Cassette({ path, mode: "replay" });
    // a changed instruction: the agent's first call is not in the recording
    const replayed = await run({
      agentModel: withDefaults(silent("agent"), { cassette: replayCassette }),
      optimizerModel: withDefaults(silent("optimizer"), { cassette: replayCassette }),
      log: join(dir, "replayed.jsonl"),
      instruction: "Add the two numbers.",
    });
    expect(replayed.result.reason).toBe("budget");
    expect(replayed.result.message).toContain("has no recording of a call of scripted:agent");
    expect(replayed.result.steps).toBe(0);
    const records = await lines(join(dir, "replayed.jsonl"));
    expect(records.filter((r) => r.type === "step")).toEqual([]);
    expect(records.at(-1)).toMatchObject({ type: "end", reason: "budget" });
  });

  it("also stops when an optimizer's call is not in the cassette (optimizers report it, not throw)", async () => {
    const path = join(dir, "train-optimizer-miss.jsonl");
    const cassette = new Cassette({ path, mode: "record" });
    await run({
      agentModel: withDefaults(new ScriptedModel(adderReply, { modelId: "agent" }), { cassette }),
      optimizerModel: withDefaults(
        new ScriptedModel(['{"suggestion": {}}'], { modelId: "optimizer", whenExhausted: "repeat-last" }),
        { cassette },
      ),
      log: join(dir, "recorded.jsonl"),
    });
    const replayCassette = new Cassette({ path, mode: "replay" });
    // the agent's calls replay; the optimizer is another model, so its first call is a miss
    const replayed = await run({
      agentModel: withDefaults(silent("agent"), { cassette: replayCassette }),
      optimizerModel: withDefaults(silent("other-optimizer"), { cassette: replayCassette }),
      log: join(dir, "replayed.jsonl"),
    });
    expect(replayed.result.reason).toBe("budget");
    expect(replayed.result.steps).toBe(0);
    const records = await lines(join(dir, "replayed.jsonl"));
    expect(records.filter((r) => r.type === "step")).toEqual([]);
  });
});
