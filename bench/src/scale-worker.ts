/**
 * The task of the `scale` benchmark, and the worker process it starts. The task's forward pass
 * burns CPU synchronously (a chain of SHA-256 rounds over the question, deterministic) and then
 * asks a scripted model with a fixed latency for a reply that depends on the hash; the guide
 * scores how close the reply is to the example's target. The benchmark imports the task to run it
 * locally; run as a program, this module starts an evaluation worker with the same task:
 *
 *     node bench/dist/scale-worker.js '<json: redis, queue, concurrency, workload>'
 *
 * It prints `ready` once it takes jobs, answers a `count` line on stdin with `count <n> <ms> <k>` (examples
 * finished so far, CPU milliseconds used so far, most forward passes at once since the last count), and on SIGTERM closes and exits.
 */
import { createHash } from "node:crypto";
import { pathToFileURL } from "node:url";
import { callLLM, node } from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import { defineEvaluationTask, type EvaluationTask, startEvaluationWorker } from "@trace-ts/scale";
import { type Example, guide } from "@trace-ts/trainer";

/** What one forward pass costs: CPU rounds and model latency. */
export interface Workload {
  /** SHA-256 rounds burnt synchronously before the model call (0: none). */
  readonly rounds: number;
  /** The scripted model's latency per call, in milliseconds. */
  readonly latencyMs: number;
}

/** What a worker process is started with (its one argument, as JSON). */
export interface WorkerArgs {
  /** `redis://127.0.0.1:<port>`. */
  readonly redis: string;
  /** The queue shared with the executor. */
  readonly queue: string;
  /** Examples the worker runs at once. */
  readonly concurrency: number;
  /** The task's workload. */
  readonly workload: Workload;
}

/** Forward passes of this process running now, and the most at once since `max` was last reset. */
export const inFlight = { now: 0, max: 0 };

/**
 * Chains `rounds` SHA-256 digests starting from `seed`; returns the last one in hex. Synchronous
 * and deterministic: the same seed and rounds give the same digest in every process.
 * @param seed the text hashed first
 * @param rounds how many digests to chain
 */
export function burn(seed: string, rounds: number): string {
  let digest = createHash("sha256").update(seed).digest();
  for (let i = 1; i < rounds; i++) digest = createHash("sha256").update(digest).digest();
  return digest.toString("hex");
}

/**
 * The dataset: question `i` and a target byte the reply is compared with.
 * @param n how many examples
 */
export function scaleDataset(n: number): Example<string, number>[] {
  return Array.from({ length: n }, (_, i) => ({ input: `question ${i}`, target: (i * 37) % 256 }));
}

/**
 * The benchmark's task for a workload: a fresh scripted model and trainable prompt per agent, a
 * forward pass that burns `rounds` rounds then calls the model, and a guide scoring the reply's
 * distance to the target (scores in [0, 1], varied across examples).
 * @param workload CPU rounds and model latency
 */
export function scaleTask(workload: Workload): EvaluationTask<string, string, number> {
  return defineEvaluationTask<string, string, number>({
    name: `bench-scale-${workload.rounds}-${workload.latencyMs}`,
    create: () => {
      const model = new ScriptedModel(
        (request) => {
          const m = /digest ([0-9a-f]{2})/.exec(request.messages.at(-1)?.content ?? "");
          return m ? String(Number.parseInt(m[1]!, 16)) : "?";
        },
        { latencyMs: workload.latencyMs, modelId: "bench-scale" },
      );
      const prompt = node("Reply with the first byte of the digest, in decimal.", {
        trainable: true,
        name: "prompt",
      });
      return {
        forward: async (question: string, context) => {
          inFlight.now++;
          inFlight.max = Math.max(inFlight.max, inFlight.now);
          try {
            const digest =
              workload.rounds > 0
                ? burn(question, workload.rounds)
                : createHash("sha256").update(question).digest("hex");
            return await callLLM(prompt, `${question}, digest ${digest}`, { model, signal: context.signal });
          } finally {
            inFlight.now--;
          }
        },
        guide: guide<string, string, number>(
          (reply, example) => {
            const distance = Math.abs(Number(reply) - example.target!);
            return { score: 1 - distance / 255, feedback: distance === 0 ? "Exact." : `Off by ${distance}.` };
          },
          { name: "byte-distance", maxScore: 1 },
        ),
      };
    },
  });
}

/** Starts a worker from the JSON argument, reports readiness, and closes on SIGTERM. */
async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? "") as WorkerArgs;
  const worker = await startEvaluationWorker({
    redis: args.redis,
    task: scaleTask(args.workload),
    queue: args.queue,
    concurrency: args.concurrency,
    onError: (error) => process.stderr.write(`scale worker: ${error.message}\n`),
  });
  process.once("SIGTERM", () => {
    void worker.close().then(() => process.exit(0));
  });
  process.stdin.setEncoding("utf8").on("data", (chunk: string) => {
    for (const line of chunk.split("\n"))
      if (line.trim() === "count") {
        const cpu = process.cpuUsage();
        process.stdout.write(`count ${worker.processed} ${(cpu.user + cpu.system) / 1000} ${inFlight.max}\n`);
        inFlight.max = inFlight.now;
      }
  });
  process.stdout.write("ready\n");
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `scale worker failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
}
