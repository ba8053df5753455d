/**
 * Named metrics: what an example, an evaluation or a candidate measured (`score` from the guide,
 * the guide's own `metrics`, and the automatic `latencyMs`, `tokens`, `modelCalls` and `cost` of
 * the agent's forward pass).
 */
import { describeValue } from "@trace-ts/core/optimizer";

/** Named measurements, one number each (e.g. `{ score: 1, cost: 0.0021, latencyMs: 840 }`). */
export type Metrics = Readonly<Record<string, number>>;

/**
 * Metrics measured for every example without the guide writing them: the wall-clock time of the
 * forward pass (`latencyMs`) and, when the run has a `usage` tracker the agent's models report to,
 * the tokens, model calls and (with prices) the cost of the agent's own calls in that forward pass
 * (not the guide's or the optimizer's).
 */
export const AUTOMATIC_METRICS = ["latencyMs", "tokens", "modelCalls", "cost"] as const;

/** Longest metric name accepted. */
const MAX_NAME = 64;
/** Most metrics one guide result may carry. */
const MAX_METRICS = 32;

/**
 * Checks the `metrics` a guide returned: a plain object of at most 32 finite numbers with names
 * of 1–64 characters, not `score` (the guide's `score` is that metric). Returns a clean copy;
 * anything else is described in the thrown message.
 * @param value what the guide gave as `metrics`
 * @returns a copy, or a problem description
 */
export function checkGuideMetrics(value: unknown): { metrics: Metrics } | { problem: string } {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    return { problem: `metrics must be an object of named numbers, got ${describeValue(value)}` };
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_METRICS)
    return { problem: `metrics may hold at most ${MAX_METRICS} values, got ${entries.length}` };
  const out: Record<string, number> = {};
  for (const [name, v] of entries) {
    if (name.length === 0 || name.length > MAX_NAME)
      return {
        problem: `metric names must have 1–${MAX_NAME} characters, got ${JSON.stringify(name.slice(0, 80))}`,
      };
    if (name === "score")
      return { problem: "metrics must not contain `score`: the result's score is that metric" };
    if (typeof v !== "number" || !Number.isFinite(v))
      return { problem: `metric ${JSON.stringify(name)} must be a finite number, got ${describeValue(v)}` };
    out[name] = v;
  }
  return { metrics: out };
}

/**
 * The mean of each metric over the entries that have it (a metric no entry has is absent).
 * @param list per-example metrics
 */
export function meanMetrics(list: readonly Metrics[]): Metrics {
  const sums = new Map<string, { sum: number; count: number }>();
  for (const metrics of list) {
    for (const [name, v] of Object.entries(metrics)) {
      const s = sums.get(name);
      if (s) {
        s.sum += v;
        s.count++;
      } else sums.set(name, { sum: v, count: 1 });
    }
  }
  const out: Record<string, number> = {};
  for (const [name, { sum, count }] of [...sums].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    out[name] = sum / count;
  return out;
}
