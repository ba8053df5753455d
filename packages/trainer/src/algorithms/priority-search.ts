/**
 * Priority search: a memory of candidate parameter sets with running metric statistics; each step
 * expands the best candidate (exploit) and the candidates of highest priority (explore).
 */
import { InvalidOptionError, type Proposal } from "@trace-ts/core";
import { validateOptions } from "@trace-ts/core/optimizer";
import type { Metrics } from "../objective/metrics.js";
import { type Snapshot, sameSnapshot } from "../snapshot.js";
import { PERFECT_NOTE } from "./minibatch.js";
import {
  addRollouts,
  bestOf,
  byPriority,
  type Candidate,
  loadCandidate,
  meansOf,
  newCandidate,
  type Priority,
  type PrioritySettings,
  savedCandidate,
} from "./priority.js";
import { positiveInteger } from "./scoring.js";
import type { Algorithm, AlgorithmContext, BatchRun, ProposalOutcome, StepOutcome } from "./types.js";

/**
 * How priority search scores new candidates: on the step's minibatch, on (a sample of) the
 * validation set, or not at all — they gather statistics from the training batches they are later
 * run on (`"rollouts"`, the streaming variant).
 */
export type PriorityValidation = "batch" | "validation" | "rollouts";

/** What a candidate filter is asked about. */
export interface CandidateFilterInput {
  /** The values the proposal leads to. */
  readonly values: Snapshot;
  /** The values of the candidate it was proposed from. */
  readonly parent: Snapshot;
  /** The optimizer's proposal. */
  readonly proposal: Proposal;
  /** The step (from 1). */
  readonly step: number;
}

/**
 * Decides whether a new candidate is kept (true) or dropped before it is validated (false), e.g.
 * to refuse prompts that are too long.
 */
export type CandidateFilter = (candidate: CandidateFilterInput) => boolean | Promise<boolean>;

/** Options of `prioritySearch`. */
export interface PrioritySearchOptions {
  /** Candidates expanded per step: the best one plus `numCandidates − 1` by priority (default 2). */
  readonly numCandidates?: number;
  /** Proposals asked per expanded candidate (default 2). */
  readonly numProposals?: number;
  /**
   * Most candidates of the long-term memory (default 16); beyond it the lowest-priority one is
   * dropped, never the best. Candidates of the short-term memory are not counted.
   */
  readonly memorySize?: number;
  /**
   * Candidates created in this many most recent steps form the short-term memory (default 2): they
   * are never dropped, so each gets its chance to be explored.
   */
  readonly shortTermSteps?: number;
  /**
   * How candidates are ordered for exploration: `"mean"` (default for `prioritySearch`), `"ucb"`
   * (default for `streamingPrioritySearch`), `"recency"`, or a function (higher first).
   */
  readonly priority?: Priority;
  /** Weight of the UCB bonus `exploration · sqrt(ln N / n)` (default 1). */
  readonly exploration?: number;
  /**
   * How new candidates are scored (default: `"validation"` when there is a validation set, else
   * `"batch"`).
   */
  readonly validate?: PriorityValidation;
  /**
   * With `validate: "validation"`, examples per validation, drawn at random (seeded) from the
   * validation set each step (default: all of it).
   */
  readonly evalSize?: number;
  /** Drops proposals before they are validated (see `CandidateFilter`). */
  readonly filter?: CandidateFilter;
}

/** Options of `streamingPrioritySearch`: those of `prioritySearch` but how candidates are validated. */
export type StreamingPrioritySearchOptions = Omit<PrioritySearchOptions, "validate" | "evalSize">;

/**
 * Priority search. A memory holds candidate parameter sets, each with running sums of the metrics
 * of every rollout (example) scored with it. Each step draws one minibatch, then for the best
 * candidate (by the run's objective over mean metrics) and the `numCandidates − 1` others of highest
 * priority: sets its parameters, runs the minibatch with feedback (adding the rollouts to its
 * statistics, also with `validate: "validation"`: a candidate's means then mix the training
 * batches it was expanded on with its validation rollouts) and asks for `numProposals` proposals
 * with one `proposeCandidates` call. New
 * candidates (duplicates, proposals that change nothing and those the `filter` refuses are not
 * added) are validated per `validate`, the optimizer is told each expansion's scores, the memory
 * is trimmed and the best candidate is put in effect.
 *
 * Cost per step: `numCandidates × (batch + numProposals proposals)` plus the validation of each new
 * candidate (a batch, a validation sample, or nothing with `"rollouts"`).
 *
 * @param options selection, memory, priority, validation and filter
 */
export function prioritySearch(options: PrioritySearchOptions = {}): Algorithm {
  validateOptions(
    "prioritySearch",
    { ...options, priority: undefined },
    { ...SCHEMA, validate: "string", evalSize: "integer" },
  );
  return build("prioritySearch", "priority-search", options, "mean");
}

/**
 * Streaming priority search: `prioritySearch` whose new candidates are not evaluated when they are
 * made. They enter the memory without statistics and gather them from the training minibatches
 * they are run on when selected; with the default `"ucb"` priority a candidate with no rollouts
 * is explored first. No validation set is used. Defaults differ from `prioritySearch`:
 * `numCandidates` 3 and `numProposals` 1.
 *
 * @param options selection, memory, priority and filter
 */
export function streamingPrioritySearch(options: StreamingPrioritySearchOptions = {}): Algorithm {
  validateOptions("streamingPrioritySearch", { ...options, priority: undefined }, SCHEMA);
  return build(
    "streamingPrioritySearch",
    "streaming-priority-search",
    // one proposal per expansion and more expansions: new candidates are scored only by being
    // expanded, so making fewer per step and exploring more keeps the unscored ones few
    { numCandidates: 3, numProposals: 1, ...options, validate: "rollouts" },
    "ucb",
  );
}

const SCHEMA = {
  numCandidates: "integer",
  numProposals: "integer",
  memorySize: "integer",
  shortTermSteps: "integer",
  priority: "string",
  exploration: "number",
  filter: "function",
} as const;

/** A proposal of one expansion and what became of it. */
interface Made {
  /** The proposal. */
  readonly proposal: Proposal;
  /** Its outcome so far. */
  readonly outcome: ProposalOutcome;
  /** The values it leads to (undefined: it changed nothing). */
  readonly values: Snapshot | undefined;
  /** The candidate it added to memory. */
  readonly child: Candidate | undefined;
  /** Why it added none. */
  readonly dropped?: "unchanged" | "duplicate" | "filtered";
}

function build(
  where: string,
  name: string,
  options: PrioritySearchOptions,
  defaultPriority: "mean" | "ucb",
): Algorithm {
  const numCandidates = positiveInteger(where, "numCandidates", options.numCandidates ?? 2);
  const numProposals = positiveInteger(where, "numProposals", options.numProposals ?? 2);
  const memorySize = positiveInteger(where, "memorySize", options.memorySize ?? 16);
  const shortTermSteps = options.shortTermSteps ?? 2;
  if (!Number.isInteger(shortTermSteps) || shortTermSteps < 0)
    throw new InvalidOptionError(where, "shortTermSteps", `must be an integer ≥ 0, got ${shortTermSteps}`);
  const rule = options.priority ?? defaultPriority;
  if (typeof rule !== "function" && rule !== "mean" && rule !== "ucb" && rule !== "recency")
    throw new InvalidOptionError(
      where,
      "priority",
      `must be 'mean', 'ucb', 'recency' or a function, got ${JSON.stringify(rule)}`,
    );
  const exploration = options.exploration ?? 1;
  if (!(exploration >= 0) || !Number.isFinite(exploration))
    throw new InvalidOptionError(where, "exploration", `must be a finite number ≥ 0, got ${exploration}`);
  const asked = options.validate;
  if (asked !== undefined && asked !== "batch" && asked !== "validation" && asked !== "rollouts")
    throw new InvalidOptionError(
      where,
      "validate",
      `must be 'batch', 'validation' or 'rollouts', got ${JSON.stringify(asked)}`,
    );
  const evalSize =
    options.evalSize === undefined ? undefined : positiveInteger(where, "evalSize", options.evalSize);
  const filter = options.filter;

  let memory: Candidate[] = [];
  let nextId = 1;

  const resolveValidate = (context: AlgorithmContext): PriorityValidation => {
    if (asked === "validation" && !context.hasValidation)
      throw new InvalidOptionError(where, "validate", "is 'validation' but no validation set was given");
    return asked ?? (context.hasValidation ? "validation" : "batch");
  };
  const sampleIndices = (context: AlgorithmContext): number[] | undefined =>
    evalSize === undefined || evalSize >= context.validationSize
      ? undefined
      : context.rng.sample(context.validationSize, evalSize);
  const totalRollouts = () => memory.reduce((n, c) => n + c.count, 0);
  const measure = async (context: AlgorithmContext, candidate: Candidate, indices: number[] | undefined) => {
    const m = await context.measure(`candidate ${candidate.id}`, indices ? { indices } : {});
    addRollouts(candidate, m.examples);
  };

  return {
    name,
    options: {
      numCandidates,
      numProposals,
      memorySize,
      shortTermSteps,
      priority: typeof rule === "function" ? "custom" : rule,
      exploration,
      validate: asked ?? null,
      evalSize: evalSize ?? null,
      filter: filter !== undefined,
    },
    needsValidation: asked === "validation",
    async init(context) {
      const validate = resolveValidate(context);
      memory = [newCandidate(0, context.snapshot(), 0, null)];
      nextId = 1;
      if (validate === "validation") await measure(context, memory[0]!, sampleIndices(context));
    },
    async step(context): Promise<StepOutcome> {
      const validate = resolveValidate(context);
      const { objective, step } = context;
      const settings = () => ({ rule, exploration, objective, step, total: totalRollouts() });
      const sample = context.nextBatch();
      const start = context.snapshot();

      // exploit the best candidate, explore the others of highest priority
      const exploit = bestOf(memory, objective) ?? byPriority(memory, settings())[0]!;
      const explore = byPriority(
        memory.filter((c) => c !== exploit),
        settings(),
      ).slice(0, numCandidates - 1);
      const selected = [exploit, ...explore];

      const made: Made[] = [];
      const expansions: Made[][] = [];
      const children: Candidate[] = [];
      let first: BatchRun | undefined;
      let perfect = 0;
      for (const [k, candidate] of selected.entries()) {
        const label = `candidate ${candidate.id} (${k + 1}/${selected.length})`;
        context.restore(candidate.values);
        context.phase(`${label}: batch`);
        const run = await context.runBatch(sample, { backward: true });
        first ??= run;
        addRollouts(candidate, rolloutsOf(run));
        candidate.lastExpandedStep = step;
        // nothing to fix on this batch for this candidate: no proposals from it
        if (context.skipPerfectBatches && run.perfect) {
          perfect++;
          continue;
        }
        context.phase(`${label}: ${numProposals} proposal${numProposals === 1 ? "" : "s"}`);
        const expansion: Made[] = [];
        for (const proposal of await context.proposeCandidates(numProposals)) {
          const applied = context.apply(proposal);
          const values = context.snapshot();
          context.revert(applied);
          const outcome: ProposalOutcome = { proposal, applied, chosen: false, parent: candidate.id };
          let entry: Made;
          if (applied.length === 0)
            entry = { proposal, outcome, values: undefined, child: undefined, dropped: "unchanged" };
          else if (
            memory.some((c) => sameSnapshot(c.values, values)) ||
            children.some((c) => sameSnapshot(c.values, values))
          )
            entry = { proposal, outcome, values, child: undefined, dropped: "duplicate" };
          else if (filter && !(await filter({ values, parent: candidate.values, proposal, step })))
            entry = { proposal, outcome, values, child: undefined, dropped: "filtered" };
          else {
            const child = newCandidate(nextId++, values, step, candidate.id);
            children.push(child);
            entry = { proposal, outcome, values, child };
          }
          expansion.push(entry);
          made.push(entry);
        }
        expansions.push(expansion);
      }

      // validate the new candidates (with "rollouts" they wait until they are run on a batch)
      if (children.length > 0 && validate !== "rollouts") {
        const indices = validate === "validation" ? sampleIndices(context) : undefined;
        for (const [c, child] of children.entries()) {
          context.restore(child.values);
          context.phase(`validating new candidate ${c + 1}/${children.length}`);
          if (validate === "validation") await measure(context, child, indices);
          else addRollouts(child, rolloutsOf(await context.runBatch(sample, { backward: false })));
        }
      }

      // each expansion's scores, told with the step's starting parameters in effect: a duplicate
      // has the score of the candidate it repeats; unscored and refused ones have none
      context.restore(start);
      const known = [...memory, ...children];
      const scoreOf = (values: Snapshot | undefined): number | undefined => {
        if (values === undefined) return undefined;
        const c = known.find((x) => sameSnapshot(x.values, values));
        return c && c.count > 0 ? objective.value(meansOf(c)) : undefined;
      };
      for (const expansion of expansions) {
        context.observeScores(
          expansion.map(({ proposal, values, dropped }) => ({
            proposal,
            score: dropped === "filtered" ? undefined : scoreOf(values),
          })),
        );
      }

      memory.push(...children);
      trim(step, settings(), bestOf(memory, objective));
      const best = bestOf(memory, objective);
      context.restore(best ? best.values : start);
      const kept = best !== undefined && !sameSnapshot(best.values, start);

      const proposals = made.map(({ outcome, child }): ProposalOutcome => {
        if (!child || child.count === 0) return outcome;
        const metrics = meansOf(child);
        return { ...outcome, score: objective.value(metrics), metrics, chosen: child === best };
      });
      const skipped = perfect === selected.length && made.length === 0;
      const note = skipped ? PERFECT_NOTE : describe(kept, made);
      const on = validate === "validation" ? ("validation" as const) : ("batch" as const);
      const metrics: Metrics | undefined = best ? meansOf(best) : undefined;
      return {
        batch: first!,
        proposals,
        kept,
        ...(note ? { note } : {}),
        ...(skipped ? { skipped: "perfect-batch" as const } : {}),
        ...(metrics ? { score: { value: objective.value(metrics), on, metrics } } : {}),
        terminate: made.length > 0 && made.every((m) => m.proposal.terminate),
      };
    },
    state() {
      return { memory: memory.map(savedCandidate), nextId };
    },
    loadState(state) {
      if (state === null || typeof state !== "object" || Array.isArray(state))
        throw new TypeError(`${where}: saved state must be { memory: [...], nextId }`);
      const saved = state as { memory?: unknown; nextId?: unknown };
      if (!Array.isArray(saved.memory) || saved.memory.length === 0)
        throw new TypeError(`${where}: saved state needs a non-empty memory: [...]`);
      const loaded = saved.memory.map((c, i) => loadCandidate(where, c, i));
      const ids = new Set(loaded.map((c) => c.id));
      if (ids.size !== loaded.length) throw new TypeError(`${where}: saved memory repeats a candidate id`);
      if (!loaded.every((c, i) => i === 0 || c.id > loaded[i - 1]!.id))
        throw new TypeError(`${where}: saved memory is not in creation order`);
      const max = Math.max(...ids);
      if (!Number.isInteger(saved.nextId) || (saved.nextId as number) <= max)
        throw new TypeError(`${where}: saved nextId must be an integer above every candidate id (${max})`);
      memory = loaded;
      nextId = saved.nextId as number;
    },
  };

  /**
   * Drops the lowest-priority candidates of the long-term memory (those older than the short-term
   * window) beyond `memorySize`, never the best one.
   */
  function trim(step: number, settings: PrioritySettings, best: Candidate | undefined): void {
    const longTerm = memory.filter((c) => c.createdStep <= step - shortTermSteps);
    if (longTerm.length <= memorySize) return;
    const order = byPriority(longTerm, settings);
    const drop = new Set<Candidate>();
    for (let i = order.length - 1; i >= 0 && longTerm.length - drop.size > memorySize; i--)
      if (order[i] !== best) drop.add(order[i]!);
    memory = memory.filter((c) => !drop.has(c));
  }
}

/** The rollouts of a batch: each scored example's metrics. */
function rolloutsOf(run: BatchRun): Metrics[] {
  return run.results.map((r) => r.metrics);
}

/** The step's note: whether the best changed and why proposals added no candidate. */
function describe(kept: boolean, made: readonly Made[]): string | undefined {
  const count = (why: Made["dropped"]) => made.filter((m) => m.dropped === why).length;
  const parts = kept ? [] : ["the best candidate is unchanged"];
  const unchanged = count("unchanged");
  const duplicate = count("duplicate");
  const filtered = count("filtered");
  if (unchanged > 0) parts.push(`${unchanged} proposal${unchanged === 1 ? "" : "s"} changed nothing`);
  if (duplicate > 0)
    parts.push(`${duplicate} proposal${duplicate === 1 ? " repeats" : "s repeat"} a known candidate`);
  if (filtered > 0)
    parts.push(`${filtered} proposal${filtered === 1 ? " was" : "s were"} dropped by the filter`);
  return parts.length > 0 ? parts.join("; ") : undefined;
}
