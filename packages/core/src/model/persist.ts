import { readStateFile, writeStateFile } from "../bundle/state-file.js";
import { type LoadStateOptions, loadStateInto, stateOf } from "./state.js";

/**
 * Writes a model's state to a JSON file atomically (a temporary file renamed into place), so a
 * crash while saving never leaves a truncated file behind.
 */
export async function saveModel(model: object, path: string): Promise<void> {
  await writeStateFile(path, stateOf(model));
}

/**
 * Reads a state file written by `save()` and loads it (see `loadState()`).
 *
 * @throws StateFormatError when the file cannot be read or is not a state; the errors of `loadState()`
 */
export async function loadModel(model: object, path: string, options?: LoadStateOptions): Promise<void> {
  loadStateInto(model, await readStateFile(path), options);
}
