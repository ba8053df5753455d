/**
 * Trainer benchmark (issue [trainer]): evaluation of 200 examples against a scripted model with
 * 50 ms latency per call, at concurrency 1, 8 and 32. Each example is a traced forward pass
 * (`callLLM` with a trainable prompt) scored by the exact-match guide. Reports wall time and the
 * ratio to the ideal `N × latency / concurrency` (1.00 = no overhead beyond the model's latency).
 * Run: `npm run bench -- trainer`.
 */
import { callLLM, node } from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import { evaluate, exactMatch } from "@trace-ts/trainer";
import { median, printTable } from "./util.js";

const EXAMPLES = 200;
const LATENCY_MS = 50;
const CONCURRENCY = [1, 8, 32];
const REPEATS = 3;

/** Runs the evaluation benchmark and prints one row per concurrency level. */
export async function runTrainerBench(): Promise<void> {
  const data = Array.from({ length: EXAMPLES }, (_, i) => ({
    input: `What is ${i} + ${i}?`,
    target: String(2 * i),
  }));
  const rows: (string | number)[][] = [];
  for (const concurrency of CONCURRENCY) {
    const walls: number[] = [];
    let maxInFlight = 0;
    let mean = 0;
    // concurrency 1 takes ~10 s per run: measure it once
    const repeats = concurrency === 1 ? 1 : REPEATS;
    for (let r = 0; r < repeats; r++) {
      const model = new ScriptedModel(
        (request) => {
          const m = /(\d+) \+ (\d+)/.exec(request.messages.at(-1)?.content ?? "");
          return m ? String(Number(m[1]) + Number(m[2])) : "?";
        },
        { latencyMs: LATENCY_MS },
      );
      const prompt = node("Reply with the sum, digits only.", { trainable: true, name: "prompt" });
      const started = performance.now();
      const result = await evaluate({
        forward: (question: string, context) => callLLM(prompt, question, { model, signal: context.signal }),
        guide: exactMatch(),
        dataset: data,
        concurrency,
      });
      walls.push(performance.now() - started);
      maxInFlight = Math.max(maxInFlight, model.maxConcurrentCalls);
      mean = result.mean;
    }
    const wall = median(walls);
    const ideal = (EXAMPLES * LATENCY_MS) / concurrency;
    // with whole calls, some slot must run ceil(N / c) calls one after another
    const bound = Math.ceil(EXAMPLES / concurrency) * LATENCY_MS;
    rows.push([
      String(concurrency),
      String(repeats),
      wall,
      ideal,
      wall / ideal,
      bound,
      wall / bound,
      String(maxInFlight),
      mean,
    ]);
  }
  console.log(
    `evaluate(): ${EXAMPLES} examples, scripted model with ${LATENCY_MS} ms latency per call (median of runs)`,
  );
  console.log(
    "ideal = N × latency / concurrency; bound = ceil(N / concurrency) × latency (whole calls per slot)",
  );
  printTable(
    [
      "concurrency",
      "runs",
      "wall ms",
      "ideal ms",
      "wall/ideal",
      "bound ms",
      "wall/bound",
      "max in flight",
      "mean score",
    ],
    rows,
  );
}
