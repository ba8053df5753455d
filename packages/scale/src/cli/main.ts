/**
 * The `trace-ts-scale` command, as a function: starts an evaluation or sweep worker from a task
 * module, or prints a sweep's table. `cli.ts` runs it with the process's arguments and signals.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { TraceError } from "@trace-ts/core";
import { type EvaluationTask, isEvaluationTask } from "../distributed/evaluation-task.js";
import { startEvaluationWorker } from "../distributed/evaluation-worker.js";
import { InvalidTaskError } from "../errors.js";
import { formatSweepTable, readSweep } from "../sweep/sweep-queue.js";
import { isSweepTask, type SweepTask } from "../sweep/sweep-task.js";
import { startSweepWorker } from "../sweep/sweep-worker.js";

/** Where the command writes and how it waits. */
export interface CliIo {
  /** Writes a line to standard output. */
  readonly out: (line: string) => void;
  /** Writes a line to standard error. */
  readonly err: (line: string) => void;
  /** Resolves when a worker should stop (default: SIGINT or SIGTERM). */
  readonly waitForStop?: () => Promise<void>;
  /** The environment (default `process.env`), for `TRACE_TS_REDIS_URL`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The command's usage text. */
export const USAGE = `Usage: trace-ts-scale <command> [options]

Commands:
  worker --task FILE          run examples of distributed evaluations with the task in FILE
  sweep-worker --task FILE --storage DIR
                              train runs of sweeps with the task in FILE; run folders go in DIR
  sweep-status --sweep NAME   print the sweep's table of runs and results

Options:
  --redis URL         Redis (default: $TRACE_TS_REDIS_URL, else redis://127.0.0.1:6379)
  --queue NAME        queue (default trace-ts-eval for worker, trace-ts-sweep for sweeps)
  --prefix P          prefix of every Redis key (default trace-ts:)
  --concurrency N     examples (worker) or runs (sweep-worker) at once (default 4 / 1)
  --json              sweep-status: print the rows as JSON
  --help              show this text
  --version           show the version

FILE is a module (JavaScript, or TypeScript with a loader such as tsx) whose default export is
made by defineEvaluationTask() or defineSweepTask(). Workers stop on SIGINT or SIGTERM.`;

/** The package's version, from its package.json. */
export function packageVersion(): string {
  const text = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
  const version = (JSON.parse(text) as { version?: unknown }).version;
  return typeof version === "string" ? version : "unknown";
}

function waitForSignal(): Promise<void> {
  return new Promise((done) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      done();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

/**
 * Loads a task module: its default export (or an export named `task`).
 * @param file the module's path
 */
export async function loadTask(file: string): Promise<EvaluationTask | SweepTask> {
  let module: { default?: unknown; task?: unknown };
  try {
    module = (await import(pathToFileURL(resolve(file)).href)) as { default?: unknown; task?: unknown };
  } catch (error) {
    throw new InvalidTaskError(
      `cannot load the task module ${file}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const task = module.default ?? module.task;
  if (isEvaluationTask(task) || isSweepTask(task)) return task;
  throw new InvalidTaskError(
    `${file} has no task: its default export must be made by defineEvaluationTask() or defineSweepTask()`,
  );
}

/**
 * Runs the command.
 * @param argv the arguments after the program name
 * @param io output, the wait for a stop and the environment
 * @returns the exit code: 0 done, 1 failed, 2 usage error
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.err(`trace-ts-scale: ${error instanceof Error ? error.message : String(error)}`);
    io.err(USAGE);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    io.out(USAGE);
    return 0;
  }
  if (values.version === true) {
    io.out(packageVersion());
    return 0;
  }
  const [command] = positionals;
  const usage = (message: string): number => {
    io.err(`trace-ts-scale: ${message}`);
    io.err(USAGE);
    return 2;
  };
  if (command === undefined) return usage("missing command.");
  if (!["worker", "sweep-worker", "sweep-status"].includes(command))
    return usage(`unknown command "${command}".`);
  const env = io.env ?? process.env;
  const redis = values.redis ?? env.TRACE_TS_REDIS_URL ?? "redis://127.0.0.1:6379";
  let concurrency: number | undefined;
  if (values.concurrency !== undefined) {
    if (!/^[1-9]\d{0,3}$/.test(values.concurrency))
      return usage(`--concurrency must be a whole number from 1, not "${values.concurrency}".`);
    concurrency = Number(values.concurrency);
  }
  const common = {
    redis,
    ...(values.queue === undefined ? {} : { queue: values.queue }),
    ...(values.prefix === undefined ? {} : { prefix: values.prefix }),
  };
  try {
    if (command === "sweep-status") {
      if (values.sweep === undefined) return usage("sweep-status needs --sweep NAME.");
      const rows = await readSweep({ ...common, sweep: values.sweep });
      if (values.json === true) io.out(JSON.stringify(rows, null, 2));
      else if (rows.length === 0) io.out(`sweep ${values.sweep}: no runs found`);
      else io.out(formatSweepTable(rows).trimEnd());
      return 0;
    }
    if (values.task === undefined) return usage(`${command} needs --task FILE.`);
    const task = await loadTask(values.task);
    const waitForStop = io.waitForStop ?? waitForSignal;
    const errors = (error: Error): void => io.err(`trace-ts-scale ${command}: ${error.message}`);
    if (command === "worker") {
      if (!isEvaluationTask(task)) return usage(`${values.task} exports a sweep task; use sweep-worker.`);
      const worker = await startEvaluationWorker({
        ...common,
        task,
        onError: errors,
        ...(concurrency ? { concurrency } : {}),
      });
      io.out(
        `evaluation worker ready: task ${task.name}, queue ${values.queue ?? "trace-ts-eval"}, concurrency ${concurrency ?? 4}`,
      );
      await waitForStop();
      await worker.close();
      io.out(`evaluation worker stopped after ${worker.processed} examples`);
      return 0;
    }
    if (!isSweepTask(task)) return usage(`${values.task} exports an evaluation task; use worker.`);
    if (values.storage === undefined)
      return usage("sweep-worker needs --storage DIR (the shared folder of the runs).");
    const worker = await startSweepWorker({
      ...common,
      task,
      storage: values.storage,
      onError: errors,
      ...(concurrency ? { concurrency } : {}),
    });
    io.out(
      `sweep worker ready: task ${task.name}, queue ${values.queue ?? "trace-ts-sweep"}, storage ${resolve(values.storage)}`,
    );
    await waitForStop();
    await worker.close();
    io.out("sweep worker stopped");
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.err(
      `trace-ts-scale ${command}: ${error instanceof TraceError ? `${message} (${error.code})` : message}`,
    );
    return 1;
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      task: { type: "string" },
      storage: { type: "string" },
      sweep: { type: "string" },
      redis: { type: "string" },
      queue: { type: "string" },
      prefix: { type: "string" },
      concurrency: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean" },
      version: { type: "boolean" },
    },
  });
}
