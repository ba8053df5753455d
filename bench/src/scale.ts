/**
 * Distributed evaluation benchmark (issue 20, part 2): 1,000 examples whose forward pass burns
 * ~15 ms of CPU (SHA-256 rounds, deterministic) and then calls a scripted model with 50 ms latency,
 * evaluated locally (`evaluate()`, concurrency 8) and on 1, 2 and 4 worker processes
 * (`BullmqExecutor` + `startEvaluationWorker`, concurrency 8 each) against a redis-server of its
 * own. Reports wall time, throughput and the ratio to the ideal for this machine's cores, checks
 * that every distributed run gives the local results in the same order, and measures the overhead
 * per job with a forward pass that costs nothing (1 worker against local).
 *
 * Run: `npm run bench -- scale` (`--examples=N` or BENCH_SCALE_EXAMPLES=N for a quick run; the
 * `=` form is needed, the runner takes bare words for suite names). Needs redis-server
 * (/usr/bin/redis-server, or TRACE_REDIS_SERVER); without it the suite says so and skips.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Node } from "@trace-ts/core";
import { BullmqExecutor } from "@trace-ts/scale";
import { type Evaluation, evaluate } from "@trace-ts/trainer";
import { burn, inFlight, scaleDataset, scaleTask, type WorkerArgs, type Workload } from "./scale-worker.js";
import { median, printTable } from "./util.js";

const DEFAULT_EXAMPLES = 1_000;
const LATENCY_MS = 50;
const TARGET_CPU_MS = 15;
const CONCURRENCY = 8;
const WORKER_COUNTS = [1, 2, 4];
const OVERHEAD_REPEATS = 3;
const RUN_TIMEOUT_MS = 240_000;
const REDIS_SERVER = process.env.TRACE_REDIS_SERVER ?? "/usr/bin/redis-server";
const WORKER_FILE = fileURLToPath(new URL("./scale-worker.js", import.meta.url));

/** Runs the benchmark and prints the scaling table and the overhead per job. */
export async function runScaleBench(): Promise<void> {
  if (!existsSync(REDIS_SERVER)) {
    console.log(
      `skipped: ${REDIS_SERVER} not found (install Debian's redis-server: bash scripts/ensure-test-tools.sh, or set TRACE_REDIS_SERVER)`,
    );
    return;
  }
  const n = exampleCount();
  const cores = availableParallelism();
  const load = (): string =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(" ");
  const loadBefore = load();

  // the CPU work: rounds that take ~TARGET_CPU_MS here (fastest of several runs, so that other
  // processes on the machine do not skew the calibration), then what one whole example costs
  for (let i = 0; i < 20; i++) burn("warm-up", 10_000);
  const perRound = fastestMs(15, () => burn("calibrate", 10_000)) / 10_000;
  const rounds = Math.max(1, Math.round(TARGET_CPU_MS / perRound));
  const heavy: Workload = { rounds, latencyMs: LATENCY_MS };
  const burnMs = fastestMs(21, (k) => burn(`question ${k}`, rounds));
  const cpuPerExample = await exampleCpuMs({ rounds, latencyMs: 0 });

  const redis = await startRedis();
  const workers: WorkerProcess[] = [];
  try {
    // local baseline
    const task = scaleTask(heavy);
    const pieces = await task.create();
    const dataset = scaleDataset(n);
    await evaluate({ ...pieces, dataset: scaleDataset(Math.min(n, 40)), concurrency: CONCURRENCY });
    inFlight.max = inFlight.now;
    const cpuBefore = process.cpuUsage();
    let started = performance.now();
    const local = await evaluate({
      ...pieces,
      dataset,
      concurrency: CONCURRENCY,
      signal: AbortSignal.timeout(RUN_TIMEOUT_MS),
    });
    const localMs = performance.now() - started;
    const cpuUsed = process.cpuUsage(cpuBefore);
    const localCpu = (cpuUsed.user + cpuUsed.system) / 1000 / n;
    const idealOf = (processes: number): number =>
      Math.max(
        (n * cpuPerExample) / Math.min(processes, cores),
        (n * (cpuPerExample + LATENCY_MS)) / (processes * CONCURRENCY),
      );
    const rows: (string | number)[][] = [
      [
        "local evaluate()",
        `1 × ${CONCURRENCY}`,
        localMs,
        (n * 1000) / localMs,
        idealOf(1),
        localMs / idealOf(1),
        1,
        localCpu,
        localCpu,
        `- (${inFlight.max})`,
      ],
    ];

    // the same evaluation on 1, 2 and 4 worker processes
    const startMs: number[] = [];
    for (const count of WORKER_COUNTS) {
      const queue = `bench-scale-heavy-${count}`;
      const t0 = performance.now();
      const group = await Promise.all(
        Array.from({ length: count }, () =>
          startWorker({ redis: redis.url, queue, concurrency: CONCURRENCY, workload: heavy }),
        ),
      );
      startMs.push(performance.now() - t0);
      workers.push(...group);
      const executor = new BullmqExecutor({ redis: redis.url, task: task.name, queue });
      try {
        await whileAlive(
          group,
          evaluate({ ...pieces, dataset: scaleDataset(Math.min(n, 2 * count * CONCURRENCY)), executor }),
        );
        const before = await Promise.all(group.map((w) => w.count()));
        const evaluatorBefore = process.cpuUsage();
        started = performance.now();
        const remote = await whileAlive(
          group,
          evaluate({ ...pieces, dataset, executor, signal: AbortSignal.timeout(RUN_TIMEOUT_MS) }),
        );
        const wall = performance.now() - started;
        const evaluatorUsed = process.cpuUsage(evaluatorBefore);
        assertSameResults(`${count} worker(s)`, local, remote);
        const after = await Promise.all(group.map((w) => w.count()));
        const jobs = after
          .map((a, k) => `${a.processed - before[k]!.processed} (${a.maxInFlight})`)
          .join(" ");
        const workerCpu = after.reduce((sum, a, k) => sum + a.cpuMs - before[k]!.cpuMs, 0) / n;
        rows.push([
          "BullmqExecutor",
          `${count} × ${CONCURRENCY}`,
          wall,
          (n * 1000) / wall,
          idealOf(count),
          wall / idealOf(count),
          localMs / wall,
          workerCpu,
          (evaluatorUsed.user + evaluatorUsed.system) / 1000 / n,
          jobs,
        ]);
      } finally {
        await executor.close();
        await stopWorkers(group, workers).catch(() => {});
      }
    }

    console.log(
      `evaluate(): ${n} examples; forward = ${rounds} SHA-256 rounds (${burnMs.toFixed(1)} ms, fastest of 21) + scripted model call with ${LATENCY_MS} ms latency; ${cores} core(s)`,
    );
    console.log(
      `c = CPU time of one whole example in one process (forward + tracing + guide, latency 0, fastest of 5 × 20 examples: ${cpuPerExample.toFixed(1)} ms), L = ${LATENCY_MS} ms, k = ${CONCURRENCY} examples in flight per process, p = processes running examples`,
    );
    console.log(
      "ideal = max(n·c / min(p, cores), n·(c + L) / (p·k)): CPU-bound when the cores are busy, slot-bound when every slot waits on the model;",
    );
    console.log(
      "it leaves out the CPU of the evaluating process, BullMQ and redis-server, which share the same cores. CPU/ex: CPU ms per example of the process(es) running the examples (runner: the workers together; local: the evaluating process) and of the evaluating process.",
    );
    console.log(
      "Results checked equal to local: index, score, feedback and output of every example, in order.",
    );
    printTable(
      [
        "executor",
        "procs × slots",
        "wall ms",
        "examples/s",
        "ideal ms",
        "wall/ideal",
        "× local",
        "runner CPU/ex",
        "evaluator CPU/ex",
        "jobs per worker (max in flight)",
      ],
      rows,
    );
    console.log(
      `load average (1/5/15 min) before the suite: ${loadBefore}; after the scaling runs: ${load()} (other processes on the machine slow the runs down)`,
    );
    const starts = startMs.map((ms, k) => `${WORKER_COUNTS[k]}: ${Math.round(ms)} ms`).join(", ");
    console.log(
      `worker processes started in parallel, spawn to taking jobs (not in the wall times): ${starts}`,
    );

    // overhead per job: a forward pass that costs nothing, 1 worker against local
    const empty: Workload = { rounds: 0, latencyMs: 0 };
    const emptyTask = scaleTask(empty);
    const emptyPieces = await emptyTask.create();
    const queue = "bench-scale-empty";
    const group = [await startWorker({ redis: redis.url, queue, concurrency: CONCURRENCY, workload: empty })];
    workers.push(...group);
    const executor = new BullmqExecutor({ redis: redis.url, task: emptyTask.name, queue });
    const localRuns: number[] = [];
    const remoteRuns: number[] = [];
    try {
      await evaluate({ ...emptyPieces, dataset: scaleDataset(Math.min(n, 200)), concurrency: CONCURRENCY });
      await whileAlive(
        group,
        evaluate({ ...emptyPieces, dataset: scaleDataset(Math.min(n, 200)), executor }),
      );
      for (let r = 0; r < OVERHEAD_REPEATS; r++) {
        let t0 = performance.now();
        const a = await evaluate({
          ...emptyPieces,
          dataset,
          concurrency: CONCURRENCY,
          signal: AbortSignal.timeout(RUN_TIMEOUT_MS),
        });
        localRuns.push(performance.now() - t0);
        t0 = performance.now();
        const b = await whileAlive(
          group,
          evaluate({ ...emptyPieces, dataset, executor, signal: AbortSignal.timeout(RUN_TIMEOUT_MS) }),
        );
        remoteRuns.push(performance.now() - t0);
        assertSameResults("overhead run", a, b);
      }
    } finally {
      await executor.close();
      await stopWorkers(group, workers).catch(() => {});
    }
    const localEmpty = median(localRuns);
    const remoteEmpty = median(remoteRuns);
    console.log(
      `\noverhead per job: the same ${n} examples with a forward pass of no CPU work and no latency, ${CONCURRENCY} in flight, median of ${OVERHEAD_REPEATS} runs`,
    );
    printTable(
      ["executor", "wall ms", "ms per example", "examples/s"],
      [
        ["local evaluate()", localEmpty, localEmpty / n, (n * 1000) / localEmpty],
        ["BullmqExecutor, 1 worker", remoteEmpty, remoteEmpty / n, (n * 1000) / remoteEmpty],
      ],
    );
    console.log(
      `overhead per job = (distributed − local) / n = ${((remoteEmpty - localEmpty) / n).toFixed(3)} ms`,
    );
  } finally {
    await Promise.allSettled(workers.map((w) => w.stop()));
    await redis.stop();
  }
}

/** `--examples=N`, else BENCH_SCALE_EXAMPLES, else 1,000. */
function exampleCount(): number {
  const flag = process.argv.find((a) => a.startsWith("--examples="))?.slice("--examples=".length);
  const text = flag ?? process.env.BENCH_SCALE_EXAMPLES;
  if (text === undefined || text === "") return DEFAULT_EXAMPLES;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`scale bench: examples must be a positive integer, got ${text}`);
  return n;
}

/**
 * Fastest wall time of `fn` over `repeats` runs: other processes on the machine only ever add to a
 * run's time, so the fastest is the closest to what the work itself costs (CPU-time counters are
 * too coarse here, often counted in scheduler ticks).
 */
function fastestMs(repeats: number, fn: (k: number) => unknown): number {
  let best = Number.POSITIVE_INFINITY;
  for (let k = 0; k < repeats; k++) {
    const t0 = performance.now();
    fn(k);
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/**
 * What one whole example (forward pass, tracing, guide) costs in this process with no model
 * latency: the fastest of 5 evaluations of 20 examples one at a time, per example.
 */
async function exampleCpuMs(workload: Workload): Promise<number> {
  const pieces = await scaleTask(workload).create();
  const count = 20;
  await evaluate({ ...pieces, dataset: scaleDataset(count), concurrency: 1 });
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    await evaluate({ ...pieces, dataset: scaleDataset(count), concurrency: 1 });
    best = Math.min(best, performance.now() - t0);
  }
  return best / count;
}

/** Fails loudly unless two evaluations have the same results in the same order. */
function assertSameResults(what: string, local: Evaluation, remote: Evaluation): void {
  const problem = ((): string | undefined => {
    if (local.results.length !== remote.results.length)
      return `${remote.results.length} results, local has ${local.results.length}`;
    for (let k = 0; k < local.results.length; k++) {
      const a = local.results[k]!;
      const b = remote.results[k]!;
      const value = (o: unknown): string => JSON.stringify(o instanceof Node ? o.data : o);
      if (
        a.index !== b.index ||
        a.score !== b.score ||
        a.feedback !== b.feedback ||
        value(a.output) !== value(b.output)
      ) {
        return `position ${k}: local index ${a.index} score ${a.score} output ${value(a.output)}, distributed index ${b.index} score ${b.score} output ${value(b.output)}`;
      }
    }
    if (local.errors !== 0 || remote.errors !== 0)
      return `errors: local ${local.errors}, distributed ${remote.errors}`;
    return undefined;
  })();
  if (problem !== undefined)
    throw new Error(`scale bench: ${what}: distributed results differ from local: ${problem}`);
}

/** A Redis of the benchmark's own. */
interface BenchRedis {
  readonly url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts redis-server on a free loopback port without persistence, in a temp folder `stop()` removes. */
async function startRedis(): Promise<BenchRedis> {
  const dir = mkdtempSync(join(tmpdir(), "trace-bench-redis-"));
  try {
    const port = await freePort();
    const child = spawn(
      REDIS_SERVER,
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    await new Promise<void>((resolve, reject) => {
      let output = "";
      let ready = false;
      const timer = setTimeout(
        () => reject(new Error(`redis-server did not start within 20 s:\n${output}`)),
        20_000,
      );
      child.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.stderr?.resume();
      child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
        if (ready) return; // keep draining the pipe
        output += chunk;
        if (output.includes("Ready to accept connections")) {
          ready = true;
          clearTimeout(timer);
          resolve();
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code} before it was ready:\n${output}`));
      });
    }).catch((error: unknown) => {
      child.kill("SIGKILL");
      throw error;
    });
    return {
      url: `redis://127.0.0.1:${port}`,
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) {
          await new Promise<void>((resolve) => {
            child.once("exit", () => resolve());
            child.kill("SIGKILL");
          });
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** What a worker process reports about itself. */
interface WorkerCount {
  /** Examples finished. */
  readonly processed: number;
  /** CPU milliseconds used (user + system). */
  readonly cpuMs: number;
  /** Most forward passes at once since the previous count. */
  readonly maxInFlight: number;
}

/** A worker process of the benchmark. */
interface WorkerProcess {
  /** Rejects when the process exits before `stop()`; never settles otherwise. */
  readonly died: Promise<never>;
  /** Examples it finished so far, and the CPU milliseconds it used so far. */
  count(): Promise<WorkerCount>;
  /** Stops it (SIGTERM, then SIGKILL after 10 s). */
  stop(): Promise<void>;
}

/** Starts `node scale-worker.js <args>` and waits until it takes jobs. */
async function startWorker(args: WorkerArgs): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [WORKER_FILE, JSON.stringify(args)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  let output = "";
  let stopping = false;
  const waiting: ((count: WorkerCount) => void)[] = [];
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const died = exited.then((): never => {
    if (stopping) return new Promise<never>(() => {}) as never;
    throw new Error(
      `scale bench: a worker process exited (code ${child.exitCode}, signal ${child.signalCode}):\n${output}`,
    );
  });
  died.catch(() => {});
  let pending = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    if (output.length < 10_000) output += chunk;
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      const m = /^count (\d+) ([\d.]+) (\d+)$/.exec(line.trim());
      if (m) waiting.shift()?.({ processed: Number(m[1]), cpuMs: Number(m[2]), maxInFlight: Number(m[3]) });
    }
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`scale bench: worker not ready within 30 s:\n${output}`)),
      30_000,
    );
    child.stdout?.on("data", () => {
      if (output.includes("ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
    died.catch((error: unknown) => {
      clearTimeout(timer);
      reject(error);
    });
  }).catch((error: unknown) => {
    child.kill("SIGKILL");
    throw error;
  });
  let stopped: Promise<void> | undefined;
  return {
    died,
    count: () =>
      Promise.race([
        new Promise<WorkerCount>((resolve) => {
          waiting.push(resolve);
          child.stdin?.write("count\n");
        }),
        died,
      ]),
    stop: () => {
      stopped ??= (async () => {
        stopping = true;
        if (child.exitCode === null && child.signalCode === null) {
          child.kill("SIGTERM");
          const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
          await exited;
          clearTimeout(timer);
        }
      })();
      return stopped;
    },
  };
}

/** Awaits `work`, rejecting at once if one of the workers dies meanwhile. */
function whileAlive<T>(group: readonly WorkerProcess[], work: Promise<T>): Promise<T> {
  return Promise.race([work, ...group.map((w) => w.died)]);
}

/** Stops a group of workers and removes them from `all`. */
async function stopWorkers(group: readonly WorkerProcess[], all: WorkerProcess[]): Promise<void> {
  await Promise.all(group.map((w) => w.stop()));
  for (const w of group) {
    const at = all.indexOf(w);
    if (at >= 0) all.splice(at, 1);
  }
}
