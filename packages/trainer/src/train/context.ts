/**
 * The context a training algorithm gets for `init` and each `step`: data, evaluation, snapshots
 * and the optimizer, with proposals passed through the approval hooks and their reported failures
 * checked by the run's stop rules.
 */
import type { AppliedChange, Optimizer, ProblemView, Proposal, ScoredProposal } from "@trace-ts/core";
import type { AlgorithmContext } from "../algorithms/types.js";
import { type GraphRecordPart, graphPart } from "../log/content.js";
import type { TrainingProgress } from "../progress.js";
import { restoreSnapshot, takeSnapshot } from "../snapshot.js";
import type { Settings } from "./config.js";
import type { ExampleRunner } from "./examples.js";
import type { RunPieces } from "./run-state.js";
import type { StopRules } from "./stops.js";

/** What a context is made from: the session's settings, live pieces and helpers. */
export interface ContextSources<I, O, T> {
  /** The run's validated configuration. */
  readonly settings: Settings<I, O, T>;
  /** The live run (generator, sampler and initial score are read from it). */
  readonly run: RunPieces;
  /** The run's signal. */
  readonly signal: AbortSignal;
  /** Runs batches and evaluations. */
  readonly runner: ExampleRunner<I, O, T>;
  /** Checks what the optimizer reports. */
  readonly stops: StopRules;
  /** The progress display. */
  readonly progress: TrainingProgress;
  /** Proposals that went through the approval hooks (only those may be applied). */
  readonly approved: WeakSet<Proposal>;
  /** Where the graph of each proposal is kept for its log record (drawn when it is made). */
  readonly graphs: WeakMap<object, GraphRecordPart>;
}

/**
 * The context of `algorithm.init` (step 0) or of a step.
 * @param step the step being taken (from 1), or 0 for `init`
 * @param sources the session's settings, live pieces and helpers
 */
export function algorithmContext<I, O, T>(step: number, sources: ContextSources<I, O, T>): AlgorithmContext {
  const { settings: s, run, signal, runner, stops, approved, graphs } = sources;
  const optimizer = s.optimizer;
  // the graph is drawn from the view the proposal was made from, before anything is applied
  const keepGraph = (record: object, view: ProblemView | undefined): void => {
    if (s.logContent.graph && view !== undefined) graphs.set(record, graphPart(view, s.logContent));
  };
  return {
    step,
    optimizer,
    parameters: run.parameters,
    get rng() {
      return run.rng;
    },
    signal,
    hasValidation: s.validation !== undefined,
    validationSize: s.validation?.length ?? 0,
    trainSize: s.train.length,
    initialScore: run.initialScore,
    skipPerfectBatches: s.skipPerfectBatches,
    nextBatch: () => run.sampler.next(),
    runBatch: (batch, options) => runner.runBatch(batch, options.backward),
    objective: s.objective,
    evaluate: (label, options) => runner.evaluate(step, label, options ?? {}),
    measure: (label, options) => runner.measure(step, label, options ?? {}),
    snapshot: () => takeSnapshot(run.parameters),
    restore: (snapshot) => restoreSnapshot(run.parameters, snapshot),
    propose: async () => {
      const proposal = await optimizer.propose({ signal });
      stops.checkProposal(proposal);
      const admitted = await approve(optimizer, proposal, approved);
      keepGraph(admitted, proposal.view);
      return admitted;
    },
    proposeCandidates: async (count: number) => {
      const candidates = await optimizer.proposeCandidates(count, { signal });
      // the same treatment as `propose` gives one proposal, candidate by candidate; all are
      // checked before any is approved, so the hooks are not asked during a step that stops
      for (const proposal of candidates) stops.checkProposal(proposal);
      const admitted: Proposal[] = [];
      for (const proposal of candidates) {
        const one = await approve(optimizer, proposal, approved);
        keepGraph(one, proposal.view);
        admitted.push(one);
      }
      return admitted;
    },
    observeScores: (scored: readonly ScoredProposal[]) => optimizer.observeScores(scored),
    optimizerStep: async () => {
      // step() proposes and applies in one go: the view it will read is drawn first
      const view = s.logContent.graph ? problemBeforeStep(optimizer) : undefined;
      const report = await optimizer.step({ signal });
      keepGraph(report, view);
      try {
        stops.checkProposal(report);
      } catch (error) {
        optimizer.revert(report.applied);
        throw error;
      }
      return report;
    },
    apply: (proposal: Proposal) => {
      if (optimizer.hasApproval && !approved.has(proposal)) {
        throw new TypeError(
          "context.apply(): the optimizer has approval hooks, so only a proposal returned by context.propose() or context.proposeCandidates() (whose updates were approved) can be applied",
        );
      }
      return optimizer.apply(proposal.updates, proposal.keys).applied as AppliedChange[];
    },
    revert: (applied) => optimizer.revert(applied),
    phase: (text) => sources.progress.phase(text),
  };
}

/**
 * Passes a proposal's updates through the optimizer's approval hooks: vetoed ones are dropped
 * from `updates` and added to `rejected` (so the step record shows them).
 */
async function approve(
  optimizer: Optimizer,
  proposal: Proposal,
  approved: WeakSet<Proposal>,
): Promise<Proposal> {
  let result = proposal;
  if (optimizer.hasApproval && proposal.updates.size > 0) {
    const { updates, rejected } = await optimizer.approve(proposal.updates, {
      keys: proposal.keys,
      reasoning: proposal.reasoning,
    });
    if (rejected.length > 0) result = { ...proposal, updates, rejected: [...proposal.rejected, ...rejected] };
  }
  approved.add(result);
  return result;
}

/**
 * The problem view `step()` is about to read, or undefined when there is none yet (no feedback)
 * or the optimizer cannot make one: the log then has no graph for the step.
 */
function problemBeforeStep(optimizer: Optimizer): ProblemView | undefined {
  try {
    return optimizer.problem();
  } catch {
    return undefined;
  }
}
