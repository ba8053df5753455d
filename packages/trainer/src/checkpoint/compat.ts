/**
 * Whether a checkpoint can be continued by a run: the same configuration (algorithm, data order,
 * datasets, optimizer) and saved values that fit the run's parameters. Pure checks: they read the
 * checkpoint and the run's parameters, change nothing, and throw `CheckpointMismatchError` or
 * `CheckpointValueError`, so a resume refuses a checkpoint before anything changes.
 */
import type { ParameterNode } from "@trace-ts/core";
import { sameValue } from "@trace-ts/core/optimizer";
import { CheckpointMismatchError, CheckpointValueError } from "../errors.js";
import { Objective, type ObjectiveConfig } from "../objective/objective.js";
import type { Snapshot } from "../snapshot.js";
import type { Checkpoint } from "./checkpoint.js";

/** What a checkpoint must match to be continued: the parts of a run's configuration it records. */
export interface RunIdentity {
  /** The algorithm's name and options. */
  readonly algorithm: { readonly name: string; readonly options: Readonly<Record<string, unknown>> };
  /** The settings that decide the data order. */
  readonly settings: { readonly seed: number; readonly batchSize: number; readonly shuffle: boolean };
  /** Fingerprints of the training and validation sets (null: no validation set). */
  readonly datasets: { readonly train: string; readonly validation: string | null };
  /** The optimizer's name. */
  readonly optimizer: string;
  /** How candidates are compared (defaults filled in). */
  readonly objective: ObjectiveConfig;
}

/** What the checks read of a parameter: its name, current value and validator. */
export type CheckedParameter = Pick<ParameterNode, "name" | "peek" | "validate">;

/**
 * How saved values are matched to the run's parameters: by node name (the default), or by
 * position (for agents restored through their own `state()`, whose node names may differ).
 */
export type MatchParameters = "name" | "position";

/**
 * Checks that a checkpoint was written by a run with the same algorithm and options, seed, batch
 * size, shuffling, datasets, optimizer and objective.
 * @param checkpoint the checkpoint
 * @param run the identity of the run that would continue it
 * @param path the checkpoint's file, for the error
 * @throws CheckpointMismatchError listing every difference
 */
export function checkCompatible(checkpoint: Checkpoint, run: RunIdentity, path: string): void {
  const cp = checkpoint;
  const differences: string[] = [];
  if (cp.algorithm.name !== run.algorithm.name)
    differences.push(`algorithm ${cp.algorithm.name} vs ${run.algorithm.name}`);
  else if (JSON.stringify(cp.algorithm.options) !== JSON.stringify(run.algorithm.options)) {
    differences.push(
      `algorithm options ${JSON.stringify(cp.algorithm.options)} vs ${JSON.stringify(run.algorithm.options)}`,
    );
  }
  const { seed, batchSize, shuffle } = run.settings;
  if (cp.settings.seed !== seed) differences.push(`seed ${cp.settings.seed} vs ${seed}`);
  if (cp.settings.batchSize !== batchSize)
    differences.push(`batchSize ${cp.settings.batchSize} vs ${batchSize}`);
  if (cp.settings.shuffle !== shuffle) differences.push(`shuffle ${cp.settings.shuffle} vs ${shuffle}`);
  if (cp.datasets.train !== run.datasets.train) differences.push("the training set differs");
  if (cp.datasets.validation !== run.datasets.validation) differences.push("the validation set differs");
  if (cp.optimizer.optimizer !== run.optimizer)
    differences.push(`optimizer ${cp.optimizer.optimizer} vs ${run.optimizer}`);
  // a checkpoint from before objectives compared the guide's score: the default objective
  const saved = JSON.stringify(cp.objective ?? Objective.from(undefined).config);
  if (saved !== JSON.stringify(run.objective))
    differences.push(`objective ${saved} vs ${JSON.stringify(run.objective)}`);
  if (differences.length > 0) throw new CheckpointMismatchError(path, differences.join("; "));
}

/**
 * The checkpoint's parameter values in the run's parameter order: matched by name (every name on
 * both sides), or by position (the counts must agree).
 * @param checkpoint the checkpoint
 * @param parameters the run's parameters, in the agent's order
 * @param match how saved values are matched to parameters
 * @param path the checkpoint's file, for the error
 * @throws CheckpointMismatchError when names or counts do not match
 */
export function savedValues(
  checkpoint: Checkpoint,
  parameters: readonly CheckedParameter[],
  match: MatchParameters,
  path: string,
): Snapshot {
  const saved = checkpoint.parameters;
  if (match === "position") {
    if (saved.length !== parameters.length) {
      throw new CheckpointMismatchError(
        path,
        `it has ${saved.length} parameters, the agent has ${parameters.length}`,
      );
    }
    return saved.map((p) => p.value);
  }
  const byName = new Map(saved.map((p) => [p.name, p]));
  const missing = parameters.filter((p) => !byName.has(p.name)).map((p) => p.name);
  const extra = saved.filter((p) => !parameters.some((c) => c.name === p.name)).map((p) => p.name);
  if (missing.length > 0 || extra.length > 0) {
    throw new CheckpointMismatchError(
      path,
      `parameter names differ (not in the checkpoint: ${missing.join(", ") || "none"}; only in the checkpoint: ${extra.join(", ") || "none"}). ` +
        "Create the agent the same way as in the saved run, or pass matchParameters: 'position'",
    );
  }
  return parameters.map((p) => byName.get(p.name)!.value);
}

/**
 * Values listed in the checkpoint's parameter order (e.g. its best values), put in the run's
 * parameter order the way `savedValues` matches them. By position, or when the count differs from
 * the checkpoint's parameters (`checkValues` then refuses them), they are returned as they are.
 * @param checkpoint the checkpoint
 * @param values values in the checkpoint's parameter order
 * @param parameters the run's parameters, in the agent's order
 * @param match how saved values are matched to parameters
 */
export function inAgentOrder(
  checkpoint: Checkpoint,
  values: Snapshot,
  parameters: readonly CheckedParameter[],
  match: MatchParameters,
): Snapshot {
  if (match === "position" || values.length !== checkpoint.parameters.length) return values;
  const at = new Map(checkpoint.parameters.map((p, i) => [p.name, i]));
  return parameters.map((p) => values[at.get(p.name) ?? -1]);
}

/**
 * Runs each parameter's validator on saved values, as `Optimizer.apply` does for an update (a
 * value equal to the current one is not checked again), so that a damaged or hand-edited
 * checkpoint is refused before anything changes.
 * @param values saved values, in the run's parameter order
 * @param parameters the run's parameters
 * @param where which values they are, for the error
 * @param path the checkpoint's file, for the error
 * @throws CheckpointMismatchError when the count differs; CheckpointValueError for the first value
 *   its parameter's validator refuses
 */
export function checkValues(
  values: Snapshot,
  parameters: readonly CheckedParameter[],
  where: "parameters" | "best",
  path: string,
): void {
  if (values.length !== parameters.length) {
    throw new CheckpointMismatchError(
      path,
      `its ${where} values are ${values.length} for ${parameters.length} parameters`,
    );
  }
  parameters.forEach((p, i) => {
    const value = values[i];
    if (sameValue(p.peek(), value)) return;
    const reason = p.validate(value);
    if (reason !== undefined) throw new CheckpointValueError(path, p.name, where, reason);
  });
}
