/** What the views read from a run's records: the run record, steps, evaluations, the end. */
import type { LogRecordJson } from "../src/protocol.js";
import { arr, field, num, obj, str } from "./checks.js";

/** The records of a run, grouped. */
export interface RunModel {
  /** The first `run` record, if any. */
  readonly run: LogRecordJson | undefined;
  /** `step` records with a numeric `step`, in file order (a resumed run's repeated step replaces the earlier one). */
  readonly steps: readonly LogRecordJson[];
  /** `eval` records. */
  readonly evals: readonly LogRecordJson[];
  /** The last `end` record after the last `resume`, if any. */
  readonly end: LogRecordJson | undefined;
}

/** Groups records. */
export function runModel(records: readonly LogRecordJson[]): RunModel {
  let run: LogRecordJson | undefined;
  const steps = new Map<number, LogRecordJson>();
  const evals: LogRecordJson[] = [];
  let end: LogRecordJson | undefined;
  for (const record of records) {
    if (record.type === "run" && run === undefined) run = record;
    else if (record.type === "step") {
      const n = num(record.step);
      if (n !== undefined) steps.set(n, record);
    } else if (record.type === "eval") evals.push(record);
    else if (record.type === "resume") end = undefined;
    else if (record.type === "end") end = record;
  }
  return {
    run,
    steps: [...steps.values()].sort((a, b) => (num(a.step) ?? 0) - (num(b.step) ?? 0)),
    evals,
    end,
  };
}

/** The step record numbered `n`. */
export function findStep(model: RunModel, n: number): LogRecordJson | undefined {
  return model.steps.find((s) => num(s.step) === n);
}

/** A metric's mean from a `metrics` object, or undefined. */
export function metric(metrics: unknown, name: string): number | undefined {
  return num(field(metrics, name));
}

/** Every metric name found in the run's `metrics` objects, sorted. */
export function metricNames(model: RunModel): string[] {
  const names = new Set<string>();
  const add = (metrics: unknown) => {
    for (const [key, value] of Object.entries(obj(metrics) ?? {}))
      if (num(value) !== undefined) names.add(key);
  };
  for (const step of model.steps) {
    add(field(step.batch, "metrics"));
    add(field(step.score, "metrics"));
  }
  for (const e of model.evals) add(e.metrics);
  return [...names].sort();
}

/** A chart's data: the x values (steps) and one y array per series (null = no point). */
export interface SeriesSet {
  /** Step numbers. */
  readonly x: number[];
  /** Series labels. */
  readonly labels: string[];
  /** One array per label, aligned with `x`. */
  readonly ys: (number | null)[][];
}

/** Builds a {@link SeriesSet} from (label → step → value) points. */
export function seriesSet(points: ReadonlyMap<string, ReadonlyMap<number, number>>): SeriesSet {
  const xs = new Set<number>();
  for (const byStep of points.values()) for (const x of byStep.keys()) xs.add(x);
  const x = [...xs].sort((a, b) => a - b);
  const labels = [...points.keys()];
  const ys = labels.map((label) => x.map((s) => points.get(label)?.get(s) ?? null));
  return { x, labels, ys };
}

/**
 * The score curves: the batch mean of each step, the validation and test evaluations (the last
 * one of each step), and the step's score; with `metricName`, that metric's means instead.
 */
export function scorePoints(model: RunModel, metricName: string | null): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  const put = (label: string, x: number | undefined, y: number | undefined) => {
    if (x === undefined || y === undefined) return;
    let series = out.get(label);
    if (series === undefined) {
      series = new Map();
      out.set(label, series);
    }
    series.set(x, y);
  };
  const suffix = metricName === null ? "" : ` ${metricName}`;
  for (const step of model.steps) {
    const x = num(step.step);
    const batch = obj(step.batch);
    put(
      `train batch${suffix}`,
      x,
      metricName === null ? num(batch?.mean) : metric(batch?.metrics, metricName),
    );
  }
  for (const e of model.evals) {
    const split = str(e.split);
    if (split !== "validation" && split !== "test") continue;
    if (/^candidate/.test(str(e.label) ?? "")) continue;
    put(
      `${split}${suffix}`,
      num(e.step),
      metricName === null ? (num(e.value) ?? num(e.mean)) : metric(e.metrics, metricName),
    );
  }
  for (const step of model.steps) {
    const score = obj(step.score);
    put(
      `step score${suffix}`,
      num(step.step),
      metricName === null ? num(score?.value) : metric(score?.metrics, metricName),
    );
  }
  return out;
}

/** Usage over the run: total tokens, calls and cost after each step. */
export function usagePoints(model: RunModel): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>([
    ["tokens", new Map()],
    ["calls", new Map()],
    ["cost", new Map()],
  ]);
  for (const step of model.steps) {
    const x = num(step.step);
    if (x === undefined) continue;
    const totals = obj(step.totals);
    const tokens = num(totals?.totalTokens);
    const calls = num(totals?.calls);
    const cost = num(totals?.cost);
    if (tokens !== undefined) out.get("tokens")?.set(x, tokens);
    if (calls !== undefined) out.get("calls")?.set(x, calls);
    if (cost !== undefined) out.get("cost")?.set(x, cost);
  }
  for (const [label, series] of out) if (series.size === 0) out.delete(label);
  return out;
}

/** The final parameters: the end record's, else the run record's; key → value. */
export function finalParameters(model: RunModel): Map<string, unknown> {
  const source = arr(model.end?.parameters).length > 0 ? model.end?.parameters : model.run?.parameters;
  const out = new Map<string, unknown>();
  for (const p of arr(source)) {
    const key = str(field(p, "key")) ?? str(field(p, "name"));
    if (key !== undefined) out.set(key, field(p, "value"));
  }
  return out;
}

/** The DOT graphs of a step: each proposal's `graph`, and the step's own. */
export function stepGraphs(step: LogRecordJson): { label: string; dot: string }[] {
  const out: { label: string; dot: string }[] = [];
  arr(step.proposals).forEach((p, i) => {
    const dot = str(field(p, "graph"));
    if (dot !== undefined && dot.trim() !== "") out.push({ label: `proposal ${i + 1}`, dot });
  });
  const own = str(step.graph);
  if (own !== undefined && own.trim() !== "") out.push({ label: "step", dot: own });
  return out;
}
