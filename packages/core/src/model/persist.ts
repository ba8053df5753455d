import { readFile } from "node:fs/promises";
import writeFileAtomic from "write-file-atomic";
import { StateFormatError } from "./errors.js";
import { type LoadStateOptions, loadStateInto, stateOf } from "./state.js";

/**
 * Writes a model's state to a JSON file atomically (a temporary file renamed into place), so a
 * crash while saving never leaves a truncated file behind.
 */
export async function saveModel(model: object, path: string): Promise<void> {
  const text = `${JSON.stringify(stateOf(model), null, 2)}\n`;
  await writeFileAtomic(path, text, { encoding: "utf8" });
}

/**
 * Reads a state file written by `save()` and loads it (see `loadState()`).
 *
 * @throws StateFormatError when the file cannot be read or is not a state; the errors of `loadState()`
 */
export async function loadModel(model: object, path: string, options?: LoadStateOptions): Promise<void> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    const problem =
      code === "ENOENT"
        ? `the state file ${path} does not exist`
        : code === "EISDIR"
          ? `${path} is a directory, not a state file`
          : `cannot read the state file ${path} (${error instanceof Error ? error.message : String(error)})`;
    throw new StateFormatError(problem, {
      cause: error,
      advice: "Check the path: load(path) reads a file written by save(path)",
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new StateFormatError(
      `the state file ${path} is not JSON (${error instanceof Error ? error.message : String(error)})`,
      { cause: error, advice: "load(path) reads a file written by save(path)" },
    );
  }
  loadStateInto(model, value, options);
}
