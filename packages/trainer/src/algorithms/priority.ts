/**
 * The candidate memory of priority search: each candidate's running metric statistics, the
 * priority rules that order candidates for exploration, and the checks of saved state.
 */
import type { Metrics } from "../objective/metrics.js";
import type { Objective } from "../objective/objective.js";
import type { Snapshot } from "../snapshot.js";

/** What a priority function sees of a candidate (read-only). */
export interface CandidateView {
  /** The candidate's id: 0 for the starting parameters, then in order of creation. */
  readonly id: number;
  /** Mean of each metric over the rollouts scored so far (empty when none were). */
  readonly metrics: Metrics;
  /** The run objective's value of `metrics` (`-Infinity` when nothing was scored, by default). */
  readonly value: number;
  /** How many rollouts (examples scored) the statistics hold. */
  readonly count: number;
  /** The step that created the candidate (0 for the starting parameters). */
  readonly createdStep: number;
  /** The last step that ran it on a minibatch and asked for proposals from it (null: never). */
  readonly lastExpandedStep: number | null;
}

/** Where the search is when priorities are computed. */
export interface PriorityContext {
  /** The step being taken (from 1). */
  readonly step: number;
  /** Rollouts scored over all candidates in memory. */
  readonly total: number;
}

/** A custom priority: higher is explored first. It must return a number (not NaN). */
export type PriorityFunction = (candidate: CandidateView, context: PriorityContext) => number;

/**
 * How priority search orders candidates for exploration: `"mean"` (the objective's value of the
 * mean metrics), `"ucb"` (that value plus `exploration · sqrt(ln N / n)`; a candidate with no
 * rollouts first), `"recency"` (newest first) or a function.
 */
export type Priority = "mean" | "ucb" | "recency" | PriorityFunction;

/** @internal A candidate in memory. */
export interface Candidate {
  /** Stable id (creation order). */
  readonly id: number;
  /** Its parameter values. */
  readonly values: Snapshot;
  /** Sum of each metric over the rollouts that measured it. */
  readonly sums: Record<string, number>;
  /** How many rollouts measured each metric. */
  readonly counts: Record<string, number>;
  /** Rollouts scored. */
  count: number;
  /** Step that created it. */
  readonly createdStep: number;
  /** Last step it was expanded (null: never). */
  lastExpandedStep: number | null;
  /** Id of the candidate it was proposed from (null for the starting parameters). */
  readonly parent: number | null;
}

/** @internal A new candidate with no statistics. */
export function newCandidate(
  id: number,
  values: Snapshot,
  createdStep: number,
  parent: number | null,
): Candidate {
  return { id, values, sums: {}, counts: {}, count: 0, createdStep, lastExpandedStep: null, parent };
}

/** @internal Adds rollouts (one `Metrics` per example scored) to a candidate's statistics. */
export function addRollouts(candidate: Candidate, rollouts: readonly Metrics[]): void {
  for (const metrics of rollouts) {
    for (const [name, v] of Object.entries(metrics)) {
      candidate.sums[name] = (candidate.sums[name] ?? 0) + v;
      candidate.counts[name] = (candidate.counts[name] ?? 0) + 1;
    }
    candidate.count++;
  }
}

/** @internal The mean of each metric (names sorted), empty without rollouts. */
export function meansOf(candidate: Candidate): Metrics {
  const out: Record<string, number> = {};
  for (const name of Object.keys(candidate.sums).sort())
    out[name] = candidate.sums[name]! / candidate.counts[name]!;
  return out;
}

/** @internal What a priority function sees of a candidate. */
export function viewOf(candidate: Candidate, objective: Objective): CandidateView {
  const metrics = meansOf(candidate);
  return {
    id: candidate.id,
    metrics,
    value: objective.value(metrics),
    count: candidate.count,
    createdStep: candidate.createdStep,
    lastExpandedStep: candidate.lastExpandedStep,
  };
}

/** @internal A stable identity of a candidate for seeded tie-breaks: its values as JSON. */
export function candidateKey(candidate: Candidate): string {
  return JSON.stringify(candidate.values);
}

/**
 * @internal The best candidate with rollouts by the objective's ranking (the list is in creation
 * order, so ties go to the older candidate unless the objective's tie-break says otherwise), or
 * undefined when none has rollouts.
 */
export function bestOf(candidates: readonly Candidate[], objective: Objective): Candidate | undefined {
  const scored = candidates.filter((c) => c.count > 0);
  if (scored.length === 0) return undefined;
  const order = objective.rank(
    scored.map((c) => meansOf(c)),
    scored.map(candidateKey),
  );
  return scored[order[0]!];
}

/** @internal Settings of the priority computation. */
export interface PrioritySettings {
  /** The rule. */
  readonly rule: Priority;
  /** Weight of the UCB bonus. */
  readonly exploration: number;
  /** The run's objective. */
  readonly objective: Objective;
  /** The step being taken. */
  readonly step: number;
  /** Rollouts scored over the whole memory (N of the UCB bonus). */
  readonly total: number;
}

/**
 * @internal Candidates ordered by priority, highest first; equal priorities keep creation order
 * (older first). Throws TypeError when a custom priority returns something other than a number.
 */
export function byPriority(candidates: readonly Candidate[], settings: PrioritySettings): Candidate[] {
  const context: PriorityContext = { step: settings.step, total: settings.total };
  const priorities = candidates.map((c) => priorityOf(c, settings, context));
  return candidates
    .map((candidate, i) => ({ candidate, priority: priorities[i]!, order: i }))
    .sort((a, b) => compareDesc(a.priority, b.priority) || a.order - b.order)
    .map((x) => x.candidate);
}

function priorityOf(candidate: Candidate, settings: PrioritySettings, context: PriorityContext): number {
  const { rule, objective } = settings;
  if (rule === "recency") return candidate.createdStep;
  if (rule === "mean") return objective.value(meansOf(candidate));
  if (rule === "ucb") {
    if (candidate.count === 0) return Number.POSITIVE_INFINITY;
    const bonus = Math.sqrt(Math.log(Math.max(context.total, 1)) / candidate.count);
    return objective.value(meansOf(candidate)) + settings.exploration * bonus;
  }
  const p = rule(viewOf(candidate, objective), context);
  if (typeof p !== "number" || Number.isNaN(p))
    throw new TypeError(
      `prioritySearch: the priority function returned ${String(p)} for candidate ${candidate.id}`,
    );
  return p;
}

/** Descending order of numbers where equal infinities tie. */
function compareDesc(a: number, b: number): number {
  return a === b ? 0 : a > b ? -1 : 1;
}

/** @internal A candidate as JSON. */
export function savedCandidate(c: Candidate): Record<string, unknown> {
  return {
    id: c.id,
    values: c.values,
    // copies: a rollback point keeps this state while the live candidate goes on counting
    sums: { ...c.sums },
    counts: { ...c.counts },
    count: c.count,
    createdStep: c.createdStep,
    lastExpandedStep: c.lastExpandedStep,
    parent: c.parent,
  };
}

const isRecord = (x: unknown): x is Record<string, unknown> =>
  x !== null && typeof x === "object" && !Array.isArray(x);
const isCount = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 0;

/** @internal Reads a saved candidate; throws TypeError naming what is wrong. */
export function loadCandidate(algorithm: string, saved: unknown, position: number): Candidate {
  const where = `${algorithm}: saved candidate ${position}`;
  if (!isRecord(saved)) throw new TypeError(`${where} is not an object`);
  const { id, values, sums, counts, count, createdStep, lastExpandedStep, parent } = saved;
  if (!isCount(id)) throw new TypeError(`${where} needs an integer id ≥ 0`);
  if (!Array.isArray(values)) throw new TypeError(`${where} needs values: [...]`);
  if (!isRecord(sums) || !Object.values(sums).every((v) => typeof v === "number" && Number.isFinite(v)))
    throw new TypeError(`${where} needs sums: { metric: number }`);
  if (!isRecord(counts) || !Object.values(counts).every((v) => isCount(v) && v > 0))
    throw new TypeError(`${where} needs counts: { metric: positive integer }`);
  const names = Object.keys(sums).sort();
  if (names.join("\u0000") !== Object.keys(counts).sort().join("\u0000"))
    throw new TypeError(`${where} has sums and counts for different metrics`);
  if (!isCount(count)) throw new TypeError(`${where} needs count: an integer ≥ 0`);
  if (Object.values(counts).some((n) => (n as number) > count))
    throw new TypeError(`${where} counts more rollouts of a metric than its count`);
  if (!isCount(createdStep)) throw new TypeError(`${where} needs createdStep: an integer ≥ 0`);
  if (lastExpandedStep !== null && !isCount(lastExpandedStep))
    throw new TypeError(`${where} needs lastExpandedStep: an integer ≥ 0 or null`);
  if (parent !== null && !isCount(parent)) throw new TypeError(`${where} needs parent: an id or null`);
  return {
    id,
    values: values as Snapshot,
    sums: { ...(sums as Record<string, number>) },
    counts: { ...(counts as Record<string, number>) },
    count,
    createdStep,
    lastExpandedStep,
    parent,
  };
}
