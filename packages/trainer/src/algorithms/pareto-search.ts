/**
 * Pareto search (in the manner of GEPA): a pool of candidates scored per example on a fixed
 * Pareto set; parents are drawn in proportion to the examples they are best on, so a candidate
 * that is best on a single example survives and gets improved.
 */
import { InvalidOptionError, type Proposal } from "@trace-ts/core";
import { validateOptions } from "@trace-ts/core/optimizer";
import type { SampledBatch } from "../data/sampler.js";
import type { Metrics } from "../objective/metrics.js";
import { type Snapshot, sameSnapshot, snapshotChanges } from "../snapshot.js";
import { mergeSnapshots } from "./merge.js";
import { PERFECT_NOTE } from "./minibatch.js";
import {
  ancestry,
  type ExampleValues,
  exampleFronts,
  nearestCommonAncestor,
  parentWeights,
  sampleByWeight,
  winCounts,
} from "./pareto-pool.js";
import { positiveInteger } from "./scoring.js";
import type {
  Algorithm,
  AlgorithmContext,
  BatchRun,
  Measurement,
  ProposalOutcome,
  StepOutcome,
} from "./types.js";

/** Merge steps of `paretoSearch`. */
export interface ParetoMergeOptions {
  /** Every how many steps a merge replaces the reflective proposal (default 3: steps 3, 6, …). */
  readonly every?: number;
}

/** Options of `paretoSearch`. */
export interface ParetoSearchOptions {
  /** Proposals per reflective step, asked with one `proposeCandidates` call (default 1). */
  readonly numProposals?: number;
  /**
   * Without a validation set: how many training examples form the Pareto set, drawn once (seeded)
   * at the start (default: all of the training set, up to 32). With one, the validation set is the
   * Pareto set and this is ignored.
   */
  readonly paretoSize?: number;
  /**
   * Most candidates kept (default 32). Beyond it the weakest candidate that is best on no Pareto
   * example is dropped; a candidate on some example's front is never dropped, so the pool may
   * grow past this size.
   */
  readonly poolSize?: number;
  /**
   * Which new candidates are evaluated on the Pareto set: `"batch"` (default) only those whose
   * value on the step's minibatch is at least their parent's; `"none"` every new candidate.
   */
  readonly gate?: "batch" | "none";
  /** Merge steps (combine two candidates' changes; default false: no merges). */
  readonly merge?: ParetoMergeOptions | false;
  /**
   * Stop the run (reason `search-budget`) after the step in which this many model calls were
   * made: the optimizer's calls plus the agent's (its `modelCalls` metric per example, or 1 per
   * example run when the run has no usage tracker). Counted from the algorithm's set-up on.
   */
  readonly maxModelCalls?: number;
  /**
   * Stop the run (reason `search-budget`) after the step in which this many examples were run
   * (minibatches and Pareto-set evaluations).
   */
  readonly maxRollouts?: number;
}

/** A candidate ever admitted to the pool: where it came from and its values (kept after pruning). */
interface Lineage {
  readonly parents: readonly number[];
  readonly values: Snapshot;
}

/** A candidate in the pool: its id (into the lineage) and what it measured on the Pareto set. */
interface Member {
  readonly id: number;
  readonly scores: ExampleValues;
  readonly metrics: Metrics;
}

/** What one proposal of a step led to, before the step's best candidate is known. */
interface Entry {
  readonly outcome: Omit<ProposalOutcome, "chosen">;
  /** The pool id of the new candidate it became, if admitted. */
  readonly id?: number;
}

/** What the step's work produced (the common ending adds pruning, the best candidate, budgets). */
interface StepParts {
  readonly batch: BatchRun;
  readonly entries: readonly Entry[];
  readonly notes: readonly string[];
  readonly terminate?: boolean;
}

const isMetrics = (value: unknown): value is Metrics =>
  value !== null &&
  typeof value === "object" &&
  !Array.isArray(value) &&
  Object.values(value as Record<string, unknown>).every((v) => typeof v === "number" && Number.isFinite(v));

const isIndex = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 0;

/** Model calls of one rollout: its `modelCalls` metric, or 1 without one. */
const callsOf = (metrics: Metrics | undefined): number => metrics?.modelCalls ?? 1;

/**
 * Pareto search (GEPA-style). The candidates are scored per example on a fixed Pareto set (the
 * validation set, or `paretoSize` training examples drawn once); each example's front is the
 * candidates with the highest objective value on it, and a candidate's wins are the examples on
 * whose front it is. Each step:
 * 1. draws a parent with probability proportional to its wins (seeded; a candidate another one
 *    dominates on the Pareto examples, or with no wins, is never drawn), puts it in effect, runs
 *    the minibatch with feedback (a perfect batch with `skipPerfectBatches` ends the step) and
 *    asks for `numProposals` candidates with one `proposeCandidates` call;
 * 2. scores each new candidate on the same minibatch; with `gate: "batch"` only one at least as
 *    good as its parent there is evaluated on the Pareto set and joins the pool;
 * 3. tells the optimizer the candidates' minibatch values (`observeScores`), with the step's
 *    starting parameters in effect;
 * 4. drops the weakest candidates that are on no front beyond `poolSize`, and puts the best
 *    candidate overall (the objective's ranking of the means on the Pareto set) in effect.
 *
 * With `merge`, every `every`-th step instead combines two candidates on the fronts (drawn by
 * wins, never one the other descends from, never the same pair twice): per parameter the value
 * they share, else the one that differs from their nearest common ancestor, else the value of the
 * one with more wins. The merge is gated like a proposal (against the better of the two on the
 * minibatch). Without a pair to merge the step is a reflective one.
 *
 * `maxModelCalls` and `maxRollouts` end the run with reason `search-budget` after the step that
 * reaches them.
 *
 * Cost per step: one minibatch with feedback, `numProposals` proposals, one minibatch per new
 * candidate and one Pareto-set evaluation per admitted candidate; the set-up evaluates the
 * starting parameters on the Pareto set.
 *
 * @param options proposals per step, Pareto set size, pool size, gate, merges and budgets
 */
export function paretoSearch(options: ParetoSearchOptions = {}): Algorithm {
  const where = "paretoSearch";
  validateOptions(
    where,
    options === null || typeof options !== "object" ? options : { ...options, merge: undefined },
    {
      numProposals: "integer",
      paretoSize: "integer",
      poolSize: "integer",
      gate: "string",
      merge: "object",
      maxModelCalls: "integer",
      maxRollouts: "integer",
    },
  );
  const numProposals = positiveInteger(where, "numProposals", options.numProposals ?? 1);
  const paretoSize =
    options.paretoSize === undefined ? undefined : positiveInteger(where, "paretoSize", options.paretoSize);
  const poolSize = positiveInteger(where, "poolSize", options.poolSize ?? 32);
  const gate = options.gate ?? "batch";
  if (gate !== "batch" && gate !== "none")
    throw new InvalidOptionError(where, "gate", `must be 'batch' or 'none', got ${JSON.stringify(gate)}`);
  const mergeOption = options.merge ?? false;
  let mergeEvery: number | undefined;
  if (mergeOption !== false) {
    if (mergeOption === null || typeof mergeOption !== "object" || Array.isArray(mergeOption))
      throw new InvalidOptionError(where, "merge", "must be false or { every?: number }");
    validateOptions(`${where} merge`, mergeOption, { every: "integer" });
    mergeEvery = positiveInteger(where, "merge.every", mergeOption.every ?? 3);
  }
  const maxModelCalls =
    options.maxModelCalls === undefined
      ? undefined
      : positiveInteger(where, "maxModelCalls", options.maxModelCalls);
  const maxRollouts =
    options.maxRollouts === undefined
      ? undefined
      : positiveInteger(where, "maxRollouts", options.maxRollouts);

  let paretoPool: "validation" | "train" = "train";
  let paretoIndices: number[] = [];
  let lineage: Lineage[] = [];
  let pool: Member[] = [];
  let triedMerges: [number, number][] = [];
  let modelCalls = 0;
  let rollouts = 0;

  const countBatch = (run: BatchRun) => {
    rollouts += run.results.length + run.outages.length;
    modelCalls += run.results.reduce((n, r) => n + callsOf(r.metrics), 0) + run.outages.length;
  };
  const countMeasurement = (m: Measurement) => {
    rollouts += m.rollouts;
    modelCalls += m.examples.reduce((n, e) => n + callsOf(e), 0) + (m.rollouts - m.examples.length);
  };

  /** Evaluates the parameters in effect on the Pareto set: per-example values and means. */
  const measureCandidate = async (context: AlgorithmContext, label: string) => {
    const m = await context.measure(
      label,
      paretoPool === "validation" ? { pool: "validation" } : { pool: "train", indices: paretoIndices },
    );
    countMeasurement(m);
    const position = new Map(paretoIndices.map((index, p) => [index, p]));
    const scores: (number | null)[] = paretoIndices.map(() => null);
    m.indices.forEach((index, k) => {
      const p = position.get(index);
      const v = context.objective.value(m.examples[k]!);
      if (p !== undefined) scores[p] = Number.isFinite(v) ? v : null;
    });
    return { scores, metrics: m.metrics, value: m.value };
  };

  const runBatch = async (context: AlgorithmContext, sample: SampledBatch, backward: boolean) => {
    const run = await context.runBatch(sample, { backward });
    countBatch(run);
    return run;
  };

  /** Pool positions, best first (the objective's ranking of the Pareto-set means). */
  const ranking = (context: AlgorithmContext) =>
    context.objective.rank(
      pool.map((m) => m.metrics),
      pool.map((m) => JSON.stringify(lineage[m.id]!.values)),
    );

  const weights = () =>
    parentWeights(
      pool.map((m) => m.scores),
      paretoIndices.length,
    );

  const known = (values: Snapshot) => lineage.findIndex((l) => sameSnapshot(l.values, values));

  const admit = (
    parents: number[],
    values: Snapshot,
    measured: { scores: ExampleValues; metrics: Metrics },
  ) => {
    const id = lineage.length;
    lineage.push({ parents, values });
    pool.push({ id, scores: measured.scores, metrics: measured.metrics });
    return id;
  };

  /** Drops the weakest candidates on no front (never the best) while the pool is over size. */
  const prune = (context: AlgorithmContext) => {
    while (pool.length > poolSize) {
      const wins = winCounts(
        exampleFronts(
          pool.map((m) => m.scores),
          paretoIndices.length,
        ),
        pool.length,
      );
      const order = ranking(context);
      const victim = [...order].reverse().find((p, k) => wins[p] === 0 && k !== order.length - 1);
      if (victim === undefined) return;
      pool.splice(victim, 1);
    }
  };

  /** The pairs of pool positions that may be merged, with their sampling weights. */
  const mergePairs = () => {
    const w = weights();
    const pairs: { a: number; b: number; weight: number }[] = [];
    for (let a = 0; a < pool.length; a++) {
      for (let b = a + 1; b < pool.length; b++) {
        const ia = pool[a]!.id;
        const ib = pool[b]!.id;
        if (w[a] === 0 || w[b] === 0) continue;
        if (sameSnapshot(lineage[ia]!.values, lineage[ib]!.values)) continue;
        if (triedMerges.some(([x, y]) => x === Math.min(ia, ib) && y === Math.max(ia, ib))) continue;
        const parents = lineage.map((l) => l.parents);
        if (ancestry(parents, ia).has(ib) || ancestry(parents, ib).has(ia)) continue;
        if (nearestCommonAncestor(parents, ia, ib) === undefined) continue;
        pairs.push({ a, b, weight: w[a]! * w[b]! });
      }
    }
    return pairs;
  };

  const reflectiveStep = async (
    context: AlgorithmContext,
    sample: SampledBatch,
    start: Snapshot,
  ): Promise<StepParts> => {
    const parent = pool[sampleByWeight(weights(), context.rng)]!;
    const parentValues = lineage[parent.id]!.values;
    context.restore(parentValues);
    context.phase(`candidate ${parent.id}: batch`);
    const batch = await runBatch(context, sample, true);
    if (context.skipPerfectBatches && batch.perfect) return { batch, entries: [], notes: [PERFECT_NOTE] };
    context.phase(`candidate ${parent.id}: ${numProposals} proposal${numProposals === 1 ? "" : "s"}`);
    const asked = await context.proposeCandidates(numProposals);
    for (const proposal of asked) modelCalls += proposal.calls.length;
    const entries: Entry[] = [];
    const batchValues: (number | undefined)[] = [];
    const seen: { values: Snapshot; batchValue: number | undefined }[] = [];
    const notes: string[] = [];
    for (const [k, proposal] of asked.entries()) {
      context.restore(parentValues);
      const applied = context.apply(proposal);
      const base = { proposal, applied, parent: parent.id };
      if (applied.length === 0) {
        entries.push({ outcome: base });
        batchValues.push(undefined);
        continue;
      }
      const values = context.snapshot();
      const twin = seen.find((s) => sameSnapshot(s.values, values));
      if (twin !== undefined || known(values) !== -1) {
        entries.push({ outcome: base });
        batchValues.push(twin?.batchValue);
        continue;
      }
      context.phase(`proposal ${k + 1}/${asked.length}: batch`);
      const run = await runBatch(context, sample, false);
      seen.push({ values, batchValue: run.value });
      batchValues.push(run.value);
      if (gate === "batch" && run.value < batch.value) {
        notes.push(
          `proposal ${k + 1} did worse than its parent on the batch (${run.value.toFixed(4)} < ${batch.value.toFixed(4)}) and was not evaluated`,
        );
        entries.push({ outcome: { ...base, score: run.value, metrics: run.metrics } });
        continue;
      }
      context.phase(`proposal ${k + 1}/${asked.length}: Pareto set`);
      const measured = await measureCandidate(context, `candidate ${lineage.length}`);
      const id = admit([parent.id], values, measured);
      entries.push({ outcome: { ...base, score: measured.value, metrics: measured.metrics }, id });
    }
    // the minibatch values, told with the step's starting parameters in effect
    context.restore(start);
    context.observeScores(asked.map((proposal, i) => ({ proposal, score: batchValues[i] })));
    return {
      batch,
      entries,
      notes,
      terminate: asked.length > 0 && asked.every((p) => p.terminate),
    };
  };

  const mergeStep = async (
    context: AlgorithmContext,
    sample: SampledBatch,
  ): Promise<StepParts | undefined> => {
    const pairs = mergePairs();
    if (pairs.length === 0) return undefined;
    const pick =
      pairs[
        sampleByWeight(
          pairs.map((p) => p.weight),
          context.rng,
        )
      ]!;
    const wins = winCounts(
      exampleFronts(
        pool.map((m) => m.scores),
        paretoIndices.length,
      ),
      pool.length,
    );
    const a = pool[pick.a]!;
    const b = pool[pick.b]!;
    const ancestor = nearestCommonAncestor(
      lineage.map((l) => l.parents),
      a.id,
      b.id,
    )!;
    const values = mergeSnapshots(
      lineage[a.id]!.values,
      lineage[b.id]!.values,
      lineage[ancestor]!.values,
      wins[pick.a]!,
      wins[pick.b]!,
      context.rng,
    );
    triedMerges.push([Math.min(a.id, b.id), Math.max(a.id, b.id)]);
    const order = ranking(context);
    const better = order.indexOf(pick.a) < order.indexOf(pick.b) ? a : b;
    const betterValues = lineage[better.id]!.values;
    const changes = snapshotChanges(context.parameters, betterValues, values);
    // a synthetic proposal for the record: every merged value is a value an earlier candidate
    // (or the start) already had, so the merge is put in effect with restore(), not apply()
    const proposal: Proposal = {
      updates: new Map(changes.map((c) => [c.parameter, c.after])),
      keys: new Map(changes.map((c) => [c.parameter, c.key])),
      suggestion: {},
      rejected: [],
      reasoning: `merge of candidates ${a.id} and ${b.id}`,
      terminate: false,
      calls: [],
    };
    const base = { proposal, applied: changes, parent: better.id };
    context.restore(betterValues);
    context.phase(`merge of ${a.id} and ${b.id}: batch`);
    const batch = await runBatch(context, sample, false);
    const twin = known(values);
    if (twin !== -1)
      return {
        batch,
        entries: [{ outcome: base }],
        notes: [`the merge of candidates ${a.id} and ${b.id} equals candidate ${twin}`],
      };
    context.restore(values);
    const run = await runBatch(context, sample, false);
    if (gate === "batch" && run.value < batch.value)
      return {
        batch,
        entries: [{ outcome: { ...base, score: run.value, metrics: run.metrics } }],
        notes: [
          `the merge of candidates ${a.id} and ${b.id} did worse than candidate ${better.id} on the batch (${run.value.toFixed(4)} < ${batch.value.toFixed(4)}) and was not evaluated`,
        ],
      };
    context.phase(`merge of ${a.id} and ${b.id}: Pareto set`);
    const measured = await measureCandidate(context, `merge ${lineage.length}`);
    const id = admit([a.id, b.id], values, measured);
    return {
      batch,
      entries: [{ outcome: { ...base, score: measured.value, metrics: measured.metrics }, id }],
      notes: [`merge of candidates ${a.id} and ${b.id}`],
    };
  };

  const budgetSpent = (): string | undefined => {
    if (maxModelCalls !== undefined && modelCalls >= maxModelCalls)
      return `maxModelCalls: ${modelCalls}/${maxModelCalls} model calls`;
    if (maxRollouts !== undefined && rollouts >= maxRollouts)
      return `maxRollouts: ${rollouts}/${maxRollouts} rollouts`;
    return undefined;
  };

  return {
    name: "pareto-search",
    options: {
      numProposals,
      paretoSize: paretoSize ?? null,
      poolSize,
      gate,
      merge: mergeEvery === undefined ? false : { every: mergeEvery },
      maxModelCalls: maxModelCalls ?? null,
      maxRollouts: maxRollouts ?? null,
    },
    async init(context) {
      if (context.hasValidation) {
        paretoPool = "validation";
        paretoIndices = Array.from({ length: context.validationSize }, (_, i) => i);
      } else {
        paretoPool = "train";
        const size = paretoSize ?? Math.min(context.trainSize, 32);
        paretoIndices =
          size >= context.trainSize
            ? Array.from({ length: context.trainSize }, (_, i) => i)
            : context.rng.sample(context.trainSize, size).sort((x, y) => x - y);
      }
      lineage = [];
      pool = [];
      triedMerges = [];
      modelCalls = 0;
      rollouts = 0;
      context.phase("candidate 0: Pareto set");
      const measured = await measureCandidate(context, "candidate 0");
      admit([], context.snapshot(), measured);
    },
    async step(context): Promise<StepOutcome> {
      const start = context.snapshot();
      const previousBest = pool[ranking(context)[0]!]!.id;
      const sample = context.nextBatch();
      let parts: StepParts | undefined;
      const notes: string[] = [];
      if (mergeEvery !== undefined && context.step % mergeEvery === 0) {
        parts = await mergeStep(context, sample);
        if (parts === undefined) notes.push("no pair of candidates to merge: a reflective step instead");
      }
      parts ??= await reflectiveStep(context, sample, start);
      notes.push(...parts.notes);
      prune(context);
      const best = pool[ranking(context)[0]!]!;
      context.restore(lineage[best.id]!.values);
      const kept = best.id !== previousBest;
      const skipped = parts.notes.includes(PERFECT_NOTE);
      if (!kept && !skipped) notes.push("the best candidate is unchanged");
      const spent = budgetSpent();
      return {
        batch: parts.batch,
        proposals: parts.entries.map((e) => ({
          ...e.outcome,
          chosen: e.id !== undefined && e.id === best.id,
        })),
        kept,
        ...(notes.length > 0 ? { note: notes.join("; ") } : {}),
        ...(skipped ? { skipped: "perfect-batch" as const } : {}),
        score: {
          value: context.objective.value(best.metrics),
          on: paretoPool === "validation" ? "validation" : "batch",
          metrics: best.metrics,
        },
        ...(parts.terminate ? { terminate: true } : {}),
        ...(spent !== undefined ? { budgetSpent: spent } : {}),
      };
    },
    state() {
      return {
        pareto: { pool: paretoPool, indices: [...paretoIndices] },
        lineage: lineage.map((l) => ({ parents: [...l.parents], values: l.values })),
        pool: pool.map((m) => ({ id: m.id, scores: [...m.scores], metrics: { ...m.metrics } })),
        triedMerges: triedMerges.map(([x, y]) => [x, y]),
        spent: { modelCalls, rollouts },
      };
    },
    loadState(state) {
      const fail = (problem: string): never => {
        throw new TypeError(`paretoSearch: saved state ${problem}`);
      };
      if (state === null || typeof state !== "object") fail("must be an object");
      const s = state as Record<string, unknown>;
      const pareto = s.pareto as Record<string, unknown> | null | undefined;
      if (pareto === null || typeof pareto !== "object") fail("needs pareto: { pool, indices }");
      if (pareto!.pool !== "validation" && pareto!.pool !== "train")
        fail("needs pareto.pool: 'validation' or 'train'");
      const indices = pareto!.indices;
      if (!Array.isArray(indices) || indices.length === 0 || !indices.every(isIndex))
        fail("needs pareto.indices: a non-empty list of example indices");
      if (new Set(indices as number[]).size !== (indices as number[]).length)
        fail("lists a Pareto example twice in pareto.indices");
      const savedLineage = s.lineage;
      if (!Array.isArray(savedLineage) || savedLineage.length === 0)
        fail("needs lineage: a non-empty list of { parents, values }");
      const restoredLineage = (savedLineage as unknown[]).map((entry, id): Lineage => {
        const l = entry as Record<string, unknown> | null;
        if (l === null || typeof l !== "object" || !Array.isArray(l.values))
          fail(`has a lineage entry ${id} without values`);
        if (!Array.isArray(l!.parents) || !l!.parents.every((p) => isIndex(p) && p < id))
          fail(`has a lineage entry ${id} whose parents are not earlier candidates`);
        return { parents: [...(l!.parents as number[])], values: l!.values as Snapshot };
      });
      const width = restoredLineage[0]!.values.length;
      if (!restoredLineage.every((l) => l.values.length === width))
        fail("has lineage values of different lengths");
      const savedPool = s.pool;
      if (!Array.isArray(savedPool) || savedPool.length === 0)
        fail("needs pool: a non-empty list of { id, scores, metrics }");
      const ids = new Set<number>();
      const restoredPool = (savedPool as unknown[]).map((entry, p): Member => {
        const m = entry as Record<string, unknown> | null;
        if (m === null || typeof m !== "object") fail(`has a pool entry ${p} that is not an object`);
        const id = m!.id;
        if (!isIndex(id) || id >= restoredLineage.length || ids.has(id))
          fail(`has a pool entry ${p} whose id is not a distinct lineage entry`);
        ids.add(id as number);
        const scores = m!.scores;
        if (
          !Array.isArray(scores) ||
          scores.length !== (indices as number[]).length ||
          !scores.every((v) => v === null || (typeof v === "number" && Number.isFinite(v)))
        )
          fail(`has a pool entry ${p} without one score (number or null) per Pareto example`);
        if (!isMetrics(m!.metrics)) fail(`has a pool entry ${p} whose metrics are not named numbers`);
        return {
          id: id as number,
          scores: [...(scores as (number | null)[])],
          metrics: { ...(m!.metrics as Metrics) },
        };
      });
      const tried = s.triedMerges;
      if (
        !Array.isArray(tried) ||
        !tried.every(
          (t) =>
            Array.isArray(t) &&
            t.length === 2 &&
            t.every((x) => isIndex(x) && x < restoredLineage.length) &&
            t[0] < t[1],
        )
      )
        fail("needs triedMerges: a list of [id, id] pairs");
      const spent = s.spent as Record<string, unknown> | null | undefined;
      if (
        spent === null ||
        typeof spent !== "object" ||
        !isIndex(spent.modelCalls) ||
        !isIndex(spent.rollouts)
      )
        fail("needs spent: { modelCalls, rollouts } (non-negative integers)");
      paretoPool = pareto!.pool as "validation" | "train";
      paretoIndices = [...(indices as number[])];
      lineage = restoredLineage;
      pool = restoredPool;
      triedMerges = (tried as [number, number][]).map(([x, y]) => [x, y]);
      modelCalls = spent!.modelCalls as number;
      rollouts = spent!.rollouts as number;
    },
  };
}
