/**
 * Run viewer benchmark (issue [observability]): how long the page takes to show a long run.
 * Writes a synthetic 1,000-step run log (each step: a batch of 4 with feedback, one proposal with
 * its optimizer call's messages and response, a diff, a DOT graph of 12 nodes, a validation
 * evaluation) and a 10-step log of the same shape as the baseline, serves them with the viewer
 * (`startViewer`, the built page), and drives Debian's Chromium with playwright-core: the time from
 * navigation to the run view being ready (chart, steps list), and from clicking step 500 to its
 * diff and graph SVG being on screen. Medians over repeats, each with its ratio to the 10-step
 * baseline measured in the same run. Run: `npm run bench -- viewer` (needs /usr/bin/chromium or
 * TRACE_CHROMIUM).
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startViewer } from "@trace-ts/viewer";
import { type Browser, chromium } from "playwright-core";
import { median, printTable } from "./util.js";

const REPEATS = 5;
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Runs the benchmark and prints one table. */
export async function runViewerBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "trace-viewer-bench-"));
  let browser: Browser | undefined;
  const viewer = await startViewer({ paths: [dir], port: 0 });
  try {
    writeFileSync(join(dir, "steps-10.jsonl"), syntheticLog(10));
    writeFileSync(join(dir, "steps-1000.jsonl"), syntheticLog(1000));
    browser = await chromium.launch({
      executablePath: process.env.TRACE_CHROMIUM ?? "/usr/bin/chromium",
      args: CHROMIUM_ARGS,
    });
    const rows: string[][] = [];
    const results = new Map<string, { load: number; step: number }>();
    for (const name of ["steps-10.jsonl", "steps-1000.jsonl"]) {
      const loads: number[] = [];
      const stepOpens: number[] = [];
      for (let r = 0; r < REPEATS; r++) {
        const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
        const started = performance.now();
        await page.goto(`${viewer.url}#run=${encodeURIComponent(name)}`);
        await page.waitForSelector('body[data-state="ready"] [data-testid="step-row"]', { timeout: 120_000 });
        loads.push(performance.now() - started);
        const target = name === "steps-10.jsonl" ? 5 : 500;
        const clicked = performance.now();
        await page.click(`[data-testid="step-row"][data-step="${target}"] a`);
        await page.waitForSelector('[data-testid="step-detail"] [data-testid="diff"]', { timeout: 60_000 });
        await page.waitForSelector('[data-testid="step-detail"] [data-testid="graph"] svg', {
          timeout: 60_000,
        });
        stepOpens.push(performance.now() - clicked);
        await page.close();
      }
      results.set(name, { load: median(loads), step: median(stepOpens) });
    }
    const base = results.get("steps-10.jsonl")!;
    for (const [name, r] of results) {
      const bytes = statSync(join(dir, name)).size;
      rows.push([
        name,
        `${(bytes / 1e6).toFixed(2)} MB`,
        `${r.load.toFixed(0)} ms`,
        `${(r.load / base.load).toFixed(2)}×`,
        `${r.step.toFixed(0)} ms`,
        `${(r.step / base.step).toFixed(2)}×`,
      ]);
    }
    console.log(
      `page load = navigation until the run view (chart + steps list) is ready; step = click until its diff and graph SVG show; median of ${REPEATS}`,
    );
    printTable(["log", "size", "page load", "vs 10 steps", "open a step", "vs 10 steps"], rows);
  } finally {
    await browser?.close();
    await viewer.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A run log of `steps` steps, in the shapes the trainer writes. */
export function syntheticLog(steps: number): string {
  const time = "2026-11-29T00:00:00.000Z";
  const lines: unknown[] = [];
  const params = (v: string) => [{ name: "instruction:0", key: "instruction0", value: v }];
  const instruction = (s: number) =>
    `Solve the word problem step by step. Revision ${s}.\nAnswer with a number.`;
  lines.push({
    type: "run",
    time,
    format: "trace-ts/run-log",
    version: 1,
    runId: `bench-${steps}`,
    algorithm: "minibatch",
    algorithmOptions: { keepIfImproves: true },
    optimizer: "OptoPrime",
    seed: 7,
    batchSize: 4,
    epochs: null,
    maxSteps: steps,
    concurrency: 4,
    datasets: {
      train: { name: "train", size: 4000, fingerprint: "f" },
      validation: { name: "validation", size: 20, fingerprint: "v" },
      test: null,
    },
    parameters: params(instruction(0)),
  });
  const usage = { inputTokens: 900, outputTokens: 120, totalTokens: 1020, calls: 1, cost: null };
  for (let s = 1; s <= steps; s++) {
    const score = 0.4 + 0.5 * (s / steps) + 0.05 * Math.sin(s);
    lines.push({
      type: "eval",
      time,
      step: s,
      split: "validation",
      label: "after step",
      indices: null,
      scores: Array.from({ length: 20 }, (_, i) => ((i + s) % 3 === 0 ? 0 : 1)),
      mean: score,
      metrics: { score, latencyMs: 40 + (s % 7) },
      errors: 0,
      durationMs: 80,
    });
    const before = instruction(s - 1);
    const after = instruction(s);
    lines.push({
      type: "step",
      time,
      step: s,
      epoch: 1 + Math.floor((s * 4) / 4000),
      batch: {
        indices: [s % 4000, (s + 1) % 4000, (s + 2) % 4000, (s + 3) % 4000],
        scores: [1, 0, 1, 1],
        feedback: [
          "Correct.",
          `Expected ${s}, got ${s + 1}: check the last subtraction.`,
          "Correct.",
          "Correct.",
        ],
        errors: 0,
        mean: 0.75,
        metrics: { score: 0.75 },
      },
      proposals: [
        {
          parent: null,
          calls: [
            {
              purpose: "propose",
              prompt: [
                {
                  role: "system",
                  content: "You improve the variables of a program from feedback. ".repeat(20),
                },
                {
                  role: "user",
                  content: `#Variables\ninstruction0 = ${before}\n#Feedback\n${"Too small. ".repeat(80)}`,
                },
              ],
              response: `{"reasoning": "be explicit about the last step", "suggestion": {"instruction0": ${JSON.stringify(after)}}}`,
              usage: { inputTokens: 900, outputTokens: 120 },
              error: null,
              durationMs: 1200,
            },
          ],
          suggestion: { instruction0: after },
          reasoning: "The failing example subtracted in the wrong order; ask for the order explicitly.",
          terminate: false,
          graph: dot(s),
          error: null,
          rejected: [],
          applied: [{ key: "instruction0", name: "instruction:0", before, after }],
          diff: `@@ instruction0 (instruction:0)\n- ${before.split("\n")[0]}\n+ ${after.split("\n")[0]}\n  Answer with a number.`,
          score: null,
          chosen: true,
        },
      ],
      applied: [{ key: "instruction0", name: "instruction:0", before, after }],
      diff: `@@ instruction0 (instruction:0)\n- ${before.split("\n")[0]}\n+ ${after.split("\n")[0]}\n  Answer with a number.`,
      kept: true,
      note: null,
      score: { value: score, on: "validation", metrics: { score } },
      best: { score, step: s },
      usage,
      totals: { ...usage, inputTokens: 900 * s, outputTokens: 120 * s, totalTokens: 1020 * s, calls: s },
      durationMs: 2000,
    });
  }
  lines.push({
    type: "end",
    time,
    step: steps,
    reason: "max-steps",
    message: null,
    best: { score: 0.9, step: steps },
    restoredBest: true,
    parameters: params(instruction(steps)),
    totals: { ...usage, totalTokens: 1020 * steps, calls: steps },
  });
  return `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`;
}

/** A problem-view graph of 12 nodes: the instruction, four examples, their calls and outputs. */
function dot(step: number): string {
  const out = ['digraph "trace" {', "  rankdir=TB;", '  node [fontname="Helvetica", fontsize=10];'];
  out.push(
    `  n0 [label="instruction0\\n\\"Solve… ${step}\\"", shape=box, style="filled,bold", fillcolor="#ffe08a"];`,
  );
  for (let i = 0; i < 4; i++) {
    const q = 1 + i * 3;
    out.push(`  n${q} [label="question${i}\\n\\"A train leaves at ${i}…\\"", shape=box, style=rounded];`);
    out.push(`  n${q + 1} [label="call_llm${i}\\ncall_llm()\\n\\"${step + i}\\"", shape=ellipse];`);
    out.push(
      `  n${q + 2} [label="parse${i}\\nparse()\\n${step + i}", shape=ellipse, style=filled, fillcolor="#bcd8f5", peripheries=2];`,
    );
    out.push(`  n0 -> n${q + 1} [label="system", fontsize=8];`);
    out.push(`  n${q} -> n${q + 1} [label="user", fontsize=8];`);
    out.push(`  n${q + 1} -> n${q + 2} [label="text", fontsize=8];`);
  }
  out.push("}");
  return `${out.join("\n")}\n`;
}
