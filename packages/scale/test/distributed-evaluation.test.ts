/**
 * Distributed evaluation against a real Redis with worker processes: the same results, order and
 * rules as a local evaluation, parameter values sent along, abort, and the failures of a
 * distributed system (a worker SIGKILLed mid-job, a stalled job picked up by a second worker,
 * Redis restarting empty).
 */
import { afterEach, describe, expect, it } from "@jest/globals";
import {
  type Evaluation,
  evaluate,
  RemoteExampleError,
  RemoteStopError,
  RunCancelledError,
} from "@trace-ts/trainer";
import { Queue } from "bullmq";
import { BullmqExecutor, DistributedJobError } from "../src/index.js";
import { type Sum, sameText, sumAgent, sumExamples } from "./fixtures/eval-task.js";
import { type FixtureProcess, startFixture } from "./support/fixture-process.js";
import { processSuite } from "./support/suite.js";

const suite = processSuite("eval");
const executors: BullmqExecutor[] = [];

afterEach(async () => {
  await Promise.all(executors.splice(0).map((e) => e.close()));
});

const newPrefix = suite.prefix;

async function startWorkers(
  prefix: string,
  count: number,
  options: { concurrency?: number; lockMs?: number; stalledMs?: number } = {},
) {
  const workers: FixtureProcess[] = [];
  for (let i = 0; i < count; i++) {
    const worker = startFixture("eval-worker.ts", [
      suite.server.url,
      prefix,
      String(options.concurrency ?? 3),
      String(options.lockMs ?? 30_000),
      String(options.stalledMs ?? 30_000),
      suite.root,
    ]);
    workers.push(worker);
  }
  await Promise.all(workers.map((w) => w.waitFor("ready")));
  return workers;
}

function executor(prefix: string, extra: { attempts?: number; reconcileMs?: number } = {}) {
  const e = new BullmqExecutor({ redis: suite.server.url, prefix, task: "sum", backoffMs: 100, ...extra });
  executors.push(e);
  return e;
}

/** What must be equal between a local and a distributed evaluation (times differ). */
function comparable(evaluation: Evaluation<unknown>) {
  return {
    mean: evaluation.mean,
    scores: evaluation.scores,
    errors: evaluation.errors,
    results: evaluation.results.map((r) => {
      const { latencyMs: _l, ...metrics } = r.metrics;
      const output =
        r.output !== null && typeof r.output === "object" && "data" in r.output
          ? (r.output as { data: unknown }).data
          : r.output;
      return {
        index: r.index,
        id: r.id,
        score: r.score,
        feedback: r.feedback,
        error: r.error,
        output: r.error ? null : output,
        metrics,
      };
    }),
  };
}

const starts = (w: FixtureProcess) =>
  w
    .stdout()
    .split("\n")
    .filter((l) => l.startsWith("start "))
    .map((l) => Number(l.slice(6)));

describe("distributed evaluation on BullMQ workers", () => {
  it("gives the results of a local evaluation, in dataset order, with the parameter values in effect here", async () => {
    const prefix = newPrefix();
    const workers = await startWorkers(prefix, 2);
    const data = sumExamples(30, { 4: { mode: "traced-fail" }, 17: { mode: "traced-fail" } });
    const local = sumAgent();
    const indices = [
      29, 3, 4, 10, 0, 17, 22, 8, 15, 1, 2, 5, 6, 7, 9, 11, 12, 13, 14, 16, 18, 19, 20, 21, 23, 24, 25, 26,
      27, 28,
    ];
    const progress: number[] = [];
    const remote = await evaluate({
      forward: local.forward,
      guide: sameText,
      dataset: data,
      indices,
      executor: executor(prefix),
      parameters: local.agent.parameters(),
      onProgress: (done) => progress.push(done),
    });
    const here = await evaluate({ forward: local.forward, guide: sameText, dataset: data, indices });
    expect(comparable(remote)).toEqual(comparable(here));
    expect(remote.results.map((r) => r.index)).toEqual(indices);
    expect(remote.errors).toBe(2);
    expect(remote.results[2]!.feedback).toContain("cannot add 4");
    expect(progress).toEqual(indices.map((_, k) => k + 1));
    // every example ran on a worker, and both workers took some
    expect(new Set(workers.flatMap(starts))).toEqual(new Set(indices));
    expect(workers.every((w) => starts(w).length > 0)).toBe(true);

    // a new value of the parameter here is the value the workers run
    local.prefix.data = "m=";
    const changed = await evaluate({
      forward: local.forward,
      guide: sameText,
      dataset: data,
      executor: executor(prefix),
      parameters: local.agent.parameters(),
    });
    const changedHere = await evaluate({ forward: local.forward, guide: sameText, dataset: data });
    expect(changed.mean).toBe(0);
    expect(comparable(changed)).toEqual(comparable(changedHere));
  }, 120_000);

  it("rejects for an agent bug and for a model outage as a local evaluation does; the workers keep running", async () => {
    const prefix = newPrefix();
    await startWorkers(prefix, 1);
    const local = sumAgent();
    const run = (modes: Readonly<Record<number, Partial<Sum>>>) =>
      evaluate({
        forward: local.forward,
        guide: sameText,
        dataset: sumExamples(6, modes),
        executor: executor(prefix),
        parameters: local.agent.parameters(),
      });
    const bug = await run({ 2: { mode: "agent-bug" } }).catch((e: unknown) => e);
    expect(bug).toBeInstanceOf(RemoteExampleError);
    expect(bug).toMatchObject({
      exampleIndex: 2,
      remoteCode: "AGENT_FAILED",
      code: "TRAINER_REMOTE_EXAMPLE_FAILED",
    });
    const outage = await run({ 1: { mode: "outage" } }).catch((e: unknown) => e);
    expect(outage).toBeInstanceOf(RemoteStopError);
    expect((outage as RemoteStopError).stopsRun).toBe("outage");
    expect((outage as RemoteStopError).remoteCode).toBe("LLM_PROVIDER");
    // the same worker still evaluates
    expect((await run({})).mean).toBe(1);
  }, 120_000);

  it("stops at an abort: RunCancelledError, and the jobs not started are removed", async () => {
    const prefix = newPrefix();
    const [worker] = await startWorkers(prefix, 1, { concurrency: 2 });
    const local = sumAgent();
    const data = sumExamples(
      40,
      Object.fromEntries(Array.from({ length: 40 }, (_, i) => [i, { mode: "slow", ms: 150 }])),
    );
    const controller = new AbortController();
    const result = await evaluate({
      forward: local.forward,
      guide: sameText,
      dataset: data,
      executor: executor(prefix),
      signal: controller.signal,
      onProgress: (done) => {
        if (done === 2) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect(result).toBeInstanceOf(RunCancelledError);
    const queue = new Queue("trace-ts-eval", {
      connection: { url: suite.server.url },
      prefix: `${prefix}bull`,
    });
    try {
      const counts = await queue.getJobCounts("waiting", "prioritized", "delayed");
      expect(counts.waiting + counts.prioritized + counts.delayed).toBe(0);
    } finally {
      await queue.close();
    }
    // far fewer than 40 examples were started
    expect(starts(worker!).length).toBeLessThan(40);
  }, 120_000);

  it("finishes when a worker is SIGKILLed mid-job: another worker runs its examples", async () => {
    const prefix = newPrefix();
    const [doomed] = await startWorkers(prefix, 1, { concurrency: 2, lockMs: 1500, stalledMs: 300 });
    const local = sumAgent();
    const data = sumExamples(
      12,
      Object.fromEntries(Array.from({ length: 12 }, (_, i) => [i, { mode: "slow", ms: 400 }])),
    );
    const pending = evaluate({
      forward: local.forward,
      guide: sameText,
      dataset: data,
      executor: executor(prefix),
      parameters: local.agent.parameters(),
    });
    await doomed!.waitFor("start ");
    await doomed!.kill();
    const [rescuer] = await startWorkers(prefix, 1, { concurrency: 4, lockMs: 1500, stalledMs: 300 });
    const remote = await pending;
    const here = await evaluate({ forward: local.forward, guide: sameText, dataset: data });
    expect(comparable(remote)).toEqual(comparable(here));
    // what the killed worker had started was run again by the other one
    for (const index of starts(doomed!)) expect(starts(rescuer!)).toContain(index);
  }, 120_000);

  it("uses one outcome when a stalled job is picked up by a second worker", async () => {
    const prefix = newPrefix();
    // whichever worker takes example 0 first blocks its event loop for far longer than its lock;
    // the other one's stalled-job check hands the job to itself
    const workers = await startWorkers(prefix, 2, { concurrency: 2, lockMs: 1000, stalledMs: 300 });
    const local = sumAgent();
    const data = sumExamples(6, { 0: { mode: "block", ms: 8000 } });
    const remote = await evaluate({
      forward: local.forward,
      guide: sameText,
      dataset: data,
      executor: executor(prefix),
      parameters: local.agent.parameters(),
    });
    const here = await evaluate({ forward: local.forward, guide: sameText, dataset: data });
    expect(comparable(remote)).toEqual(comparable(here));
    // example 0 was started twice, once by each worker
    expect(workers.map((w) => starts(w).filter((i) => i === 0).length)).toEqual([1, 1]);
  }, 120_000);

  it("rejects with DistributedJobError when a job fails every attempt (a worker of another task)", async () => {
    const prefix = newPrefix();
    await startWorkers(prefix, 1);
    const wrongTask = new BullmqExecutor({
      redis: suite.server.url,
      prefix,
      task: "other",
      attempts: 2,
      backoffMs: 50,
    });
    executors.push(wrongTask);
    const local = sumAgent();
    const error = await evaluate({
      forward: local.forward,
      guide: sameText,
      dataset: sumExamples(2),
      executor: wrongTask,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DistributedJobError);
    expect((error as DistributedJobError).message).toContain('this worker runs task "sum"');
  }, 120_000);

  it("finishes when Redis restarts empty mid-evaluation: lost jobs are queued again", async () => {
    const prefix = newPrefix();
    await startWorkers(prefix, 1, { concurrency: 2, lockMs: 2000, stalledMs: 500 });
    const local = sumAgent();
    const data = sumExamples(
      16,
      Object.fromEntries(Array.from({ length: 16 }, (_, i) => [i, { mode: "slow", ms: 250 }])),
    );
    let restarted: Promise<void> | undefined;
    const remote = await evaluate({
      forward: local.forward,
      guide: sameText,
      dataset: data,
      executor: executor(prefix, { reconcileMs: 1000 }),
      parameters: local.agent.parameters(),
      onProgress: (done) => {
        if (done === 2) restarted ??= suite.server.restart();
      },
    });
    await restarted;
    const here = await evaluate({ forward: local.forward, guide: sameText, dataset: data });
    expect(comparable(remote)).toEqual(comparable(here));
  }, 120_000);
});
