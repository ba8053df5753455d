/** `train()` and `resume()`: the public entry points of a training run. */
import { existsSync } from "node:fs";
import { InvalidOptionError } from "@trace-ts/core";
import { CheckpointNotFoundError } from "../errors.js";
import { isHeaderOnly } from "../log/read.js";
import { normalizeConfig, type ResumeOptions, type TrainConfig } from "./config.js";
import { Session, type TrainResult } from "./session.js";

/**
 * Trains an agent. Per step the algorithm (default `minibatch()`) runs a minibatch, sends each
 * output its feedback backward and lets the optimizer update the parameters; the loop evaluates on
 * the validation set, keeps the best parameters, writes a run-log record and (with `checkpoint`)
 * an atomic checkpoint after every step.
 *
 * The run stops after `epochs` / `maxSteps`, on early stopping, when the model budget is spent
 * (`BudgetExceededError` anywhere: reason `budget`), or when `signal` aborts (reason
 * `cancelled`); in every case it resolves (it does not throw) and, unless `restoreBest: false`,
 * leaves the best parameters found in effect. Real failures (a bug in the forward function, a
 * failing guide, a missing API key) throw; the last checkpoint stays valid for `resume()`.
 *
 * An existing checkpoint or non-empty log at the given paths is never overwritten unless
 * `overwrite: true` (`CheckpointExistsError`).
 *
 * @example
 * const result = await train({
 *   agent, forward: (x) => agent.solve(x), guide: exactMatch(), optimizer,
 *   train: splits.train, validation: splits.validation, batchSize: 4, epochs: 2,
 *   checkpoint: "runs/a/checkpoint.json", log: "runs/a/log.jsonl",
 * });
 *
 * @param config what to train, on what data, how, and where to record it
 */
export async function train<I, O, T>(config: TrainConfig<I, O, T>): Promise<TrainResult> {
  return new Session(normalizeConfig(config)).start();
}

/**
 * Continues a run from its checkpoint (e.g. after the process was killed): restores the
 * parameters, the optimizer's and the algorithm's state, the data order and the random-number
 * generator, cuts the run log back to the end of the last completed step, and carries on. With
 * the same configuration, a resumed run ends with the same parameters and the same log records
 * (apart from times, durations and the `resume` record) as an uninterrupted one, provided the
 * agent and the models behave the same for the same inputs.
 *
 * The configuration must match the saved run (algorithm and its options, seed, batch size,
 * shuffle, datasets, parameter names, optimizer, objective): otherwise `CheckpointMismatchError`. Limits
 * (`epochs`, `maxSteps`), concurrency and early stopping may change. A run that stopped for good
 * (early stop, target reached, terminated) is not continued; its end is recorded again.
 *
 * @param config the same configuration as the interrupted run (`checkpoint` is required)
 * @param options `startIfMissing`: start a fresh run when there is no checkpoint yet (a log that
 *   holds only the header of a run killed before its first checkpoint is then replaced)
 */
export async function resume<I, O, T>(
  config: TrainConfig<I, O, T>,
  options: ResumeOptions = {},
): Promise<TrainResult> {
  const settings = normalizeConfig(config);
  if (settings.checkpoint === undefined) {
    throw new InvalidOptionError(
      "resume()",
      "checkpoint",
      "is required: the checkpoint file of the run to continue",
    );
  }
  if (!existsSync(settings.checkpoint)) {
    if (options.startIfMissing) {
      // a run killed before its first checkpoint leaves a log with only its header: replace it
      const stale = settings.log !== undefined && existsSync(settings.log) && isHeaderOnly(settings.log);
      return new Session(stale ? { ...settings, overwrite: true } : settings).start();
    }
    throw new CheckpointNotFoundError(settings.checkpoint);
  }
  return new Session(settings).resume();
}
