/**
 * Minibatch training: run every example of a minibatch, send each output its own feedback, take
 * one optimizer step. Optionally keep the update only when the validation score improves.
 */
import { InvalidOptionError } from "@trace-ts/core";
import { validateOptions } from "@trace-ts/core/optimizer";
import type { Algorithm, StepOutcome } from "./types.js";

/** @internal The note of a step that skipped the optimizer because the batch was perfect. */
export const PERFECT_NOTE =
  "skipped: every example of the batch has the guide's top score, so the optimizer was not called";

/** Options of `minibatch`. */
export interface MinibatchOptions {
  /**
   * Evaluate on the validation set after each update and undo the update (`optimizer.revert`)
   * unless the score beats the score before it by more than `minImprovement` (default false;
   * needs a validation set).
   */
  readonly keepIfImproves?: boolean;
  /** How much the validation score must rise for an update to be kept (default 0: any rise). */
  readonly minImprovement?: number;
}

/**
 * The plain training loop: per step, forward every example of the minibatch (concurrently), score
 * each output with the guide, `backward` each output with its own feedback, then one
 * `optimizer.step()`. With `keepIfImproves`, an update that does not raise the validation score
 * is reverted (the optimizer's own memory of the step stays).
 *
 * @param options keep-if-improves settings
 */
export function minibatch(options: MinibatchOptions = {}): Algorithm {
  validateOptions("minibatch", options, { keepIfImproves: "boolean", minImprovement: "number" });
  const keepIfImproves = options.keepIfImproves ?? false;
  const minImprovement = options.minImprovement ?? 0;
  if (minImprovement < 0)
    throw new InvalidOptionError("minibatch", "minImprovement", `must be ≥ 0, got ${minImprovement}`);
  let baseline: number | null = null;
  return {
    name: "minibatch",
    options: { keepIfImproves, minImprovement },
    needsValidation: keepIfImproves,
    async init(context) {
      if (keepIfImproves && !context.hasValidation) {
        throw new InvalidOptionError(
          "minibatch",
          "keepIfImproves",
          "needs a validation set (pass validation to train())",
        );
      }
      baseline = context.initialScore;
    },
    async step(context): Promise<StepOutcome> {
      const batch = await context.runBatch(context.nextBatch(), { backward: true });
      if (context.skipPerfectBatches && batch.perfect) {
        return {
          batch,
          proposals: [],
          kept: false,
          note: PERFECT_NOTE,
          skipped: "perfect-batch",
          ...(keepIfImproves && baseline !== null
            ? { score: { value: baseline, on: "validation" as const } }
            : {}),
        };
      }
      context.phase("optimizer step");
      const report = await context.optimizerStep();
      if (report.applied.length === 0) {
        const why =
          report.error ??
          (report.terminate
            ? "the optimizer says the problem is solved"
            : report.rejected.some((r) => r.vetoed === true)
              ? "the approval hook vetoed the suggested changes"
              : "no usable suggestion");
        return {
          batch,
          proposals: [{ proposal: report, applied: [], chosen: false }],
          kept: false,
          note: `nothing changed: ${why}`,
          ...(keepIfImproves && baseline !== null
            ? { score: { value: baseline, on: "validation" as const } }
            : {}),
          terminate: report.terminate,
        };
      }
      if (!keepIfImproves) {
        return {
          batch,
          proposals: [{ proposal: report, applied: report.applied, chosen: true }],
          kept: true,
          terminate: report.terminate,
        };
      }
      const before = baseline ?? (await context.evaluate("before step"));
      const after = await context.evaluate("after step");
      if (after > before + minImprovement) {
        baseline = after;
        return {
          batch,
          proposals: [{ proposal: report, applied: report.applied, score: after, chosen: true }],
          kept: true,
          score: { value: after, on: "validation" },
          terminate: report.terminate,
        };
      }
      context.revert(report.applied);
      baseline = before;
      return {
        batch,
        proposals: [{ proposal: report, applied: report.applied, score: after, chosen: false }],
        kept: false,
        note: `reverted: validation score ${after.toFixed(4)} did not beat ${before.toFixed(4)}${minImprovement > 0 ? ` by more than ${minImprovement}` : ""}`,
        score: { value: before, on: "validation" },
        terminate: report.terminate,
      };
    },
    state() {
      return { baseline };
    },
    loadState(state) {
      const b = (state as { baseline?: unknown } | null)?.baseline;
      if (b !== null && typeof b !== "number")
        throw new TypeError("minibatch: saved state needs { baseline: number | null }");
      baseline = b;
    },
  };
}
