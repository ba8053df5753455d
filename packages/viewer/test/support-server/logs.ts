/**
 * Builders of small, realistic run logs and cassettes for the viewer's tests (the shapes of
 * packages/trainer/src/log/records.ts and the core cassette file).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** A run-log record as JSON. */
export type Rec = { type: string } & Record<string, unknown>;

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5);
const time = (i: number): string => new Date(T0 + i * 1000).toISOString();

const usage = (calls: number) => ({
  inputTokens: 120 * calls,
  outputTokens: 40 * calls,
  totalTokens: 160 * calls,
  calls,
  cost: null,
});

/** The `run` record. */
export function runRecord(overrides: Record<string, unknown> = {}): Rec {
  return {
    type: "run",
    time: time(0),
    format: "trace-ts/run-log",
    version: 1,
    runId: "run-abc123",
    algorithm: "minibatch",
    algorithmOptions: {},
    optimizer: "optoprime",
    seed: 7,
    batchSize: 2,
    epochs: 1,
    maxSteps: null,
    concurrency: 2,
    datasets: {
      train: { name: "word-problems", size: 4, fingerprint: "f1" },
      validation: { name: "word-problems-val", size: 2, fingerprint: "f2" },
      test: null,
    },
    parameters: [{ name: "prompt:0", key: "prompt0", value: "Solve the problem." }],
    ...overrides,
  };
}

/** An `eval` record. */
export function evalRecord(step: number, mean: number, label = step === 0 ? "initial" : "after step"): Rec {
  return {
    type: "eval",
    time: time(step * 10 + 1),
    step,
    split: "validation",
    label,
    indices: null,
    scores: [mean, mean],
    mean,
    errors: 0,
    durationMs: 12,
  };
}

/** A `step` record; `text` goes into the feedback, reasoning and the changed value. */
export function stepRecord(step: number, score: number, text = `Think step by step (${step}).`): Rec {
  const before = step === 1 ? "Solve the problem." : `Think step by step (${step - 1}).`;
  const change = { key: "prompt0", name: "prompt:0", before, after: text };
  const diff = `--- prompt0\n+++ prompt0\n@@ -1 +1 @@\n-${before}\n+${text}\n`;
  return {
    type: "step",
    time: time(step * 10),
    step,
    epoch: 1,
    batch: { indices: [0, 1], scores: [0, 1], feedback: [`wrong: ${text}`, "correct"], errors: 0, mean: 0.5 },
    proposals: [
      {
        parent: null,
        calls: [
          {
            purpose: "propose",
            prompt: [
              { role: "system", content: "You improve prompts." },
              { role: "user", content: `Feedback: wrong: ${text}` },
            ],
            response: `{"reasoning": "${step}", "suggestion": {"prompt0": "..."}}`,
            usage: { inputTokens: 120, outputTokens: 40 },
            error: null,
            durationMs: 30,
          },
        ],
        suggestion: { prompt0: text },
        reasoning: `Reasoning: ${text}`,
        terminate: false,
        error: null,
        rejected: [{ key: "prompt9", value: "x", reason: "no such parameter" }],
        applied: [change],
        diff,
        score,
        chosen: true,
      },
    ],
    applied: [change],
    diff,
    kept: true,
    note: null,
    score: { value: score, on: "validation" },
    best: { score, step },
    usage: usage(1),
    totals: usage(step),
    durationMs: 50,
  };
}

/** A `resume` record. */
export function resumeRecord(step: number): Rec {
  return { type: "resume", time: time(step * 10 + 5), step, checkpoint: "runs/ckpt.json" };
}

/** An `end` record. */
export function endRecord(step: number, best: number, reason = "completed"): Rec {
  return {
    type: "end",
    time: time(step * 10 + 9),
    step,
    reason,
    message: null,
    best: { score: best, step },
    restoredBest: true,
    parameters: [{ name: "prompt:0", key: "prompt0", value: "Think step by step." }],
    totals: usage(step),
  };
}

/** Records as JSON Lines (each line ends with a newline). */
export function jsonl(records: readonly unknown[]): string {
  return records.map((record) => `${JSON.stringify(record)}\n`).join("");
}

/** A complete run of `steps` steps, scores rising. */
export function completeRun(steps = 2, overrides: Record<string, unknown> = {}): Rec[] {
  const records: Rec[] = [runRecord(overrides), evalRecord(0, 0.25)];
  for (let i = 1; i <= steps; i++)
    records.push(stepRecord(i, 0.25 + i * 0.25), evalRecord(i, 0.25 + i * 0.25));
  records.push(endRecord(steps, 0.25 + steps * 0.25));
  return records;
}

/** A cassette's text: header, then one line per call (`texts[i]` is the prompt and reply). */
export function cassetteText(texts: readonly string[], header: Record<string, unknown> = {}): string {
  const lines: unknown[] = [
    { format: "trace-ts/cassette", version: 1, keyVersion: 1, createdAt: time(0), ...header },
  ];
  texts.forEach((text, seq) => {
    lines.push({
      seq,
      key: `k${seq}`,
      model: "scripted:test-model",
      request: {
        v: 1,
        provider: "scripted",
        modelId: "test-model",
        messages: [
          ["system", "You improve prompts."],
          ["user", text],
        ],
        responseFormat: null,
        maxTokens: null,
        temperature: null,
        seed: null,
        sample: null,
      },
      result: {
        text: `reply: ${text}`,
        usage: { inputTokens: 10, outputTokens: 5 },
        finishReason: "stop",
        model: "test-model",
      },
    });
  });
  return jsonl(lines);
}

/** A fresh temp folder (prefix `trace-viewer-`); remove it with {@link removeDir}. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "trace-viewer-"));
}

/** Removes a folder made by {@link tempDir}. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Writes `text` to `dir/rel`, creating folders. Returns the absolute path. */
export function put(dir: string, rel: string, text: string): string {
  const path = join(dir, rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

/** A stub page (`app.js`, `app.css`) in `dir/assets`; returns the folder. */
export function stubAssets(
  dir: string,
  js = "window.traceViewerStub = 1;\n",
  css = "body { margin: 0; }\n",
): string {
  put(dir, "assets/app.js", js);
  put(dir, "assets/app.css", css);
  return join(dir, "assets");
}
