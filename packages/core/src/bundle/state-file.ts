import { readFile } from "node:fs/promises";
import writeFileAtomic from "write-file-atomic";
import type { ModelState } from "../model/state.js";
import { StateFormatError } from "./state-errors.js";

/**
 * Writes a state as JSON (2-space indented, final newline) atomically: a temporary file renamed
 * into place, so a crash while saving never leaves a truncated file behind.
 */
export async function writeStateFile(path: string, state: ModelState): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(state, null, 2)}\n`, { encoding: "utf8" });
}

/**
 * Reads a state file written by `save()` and parses its JSON (the format itself is checked by
 * whoever loads it).
 *
 * @throws StateFormatError when the file is missing, unreadable or not JSON
 */
export async function readStateFile(path: string): Promise<unknown> {
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
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new StateFormatError(
      `the state file ${path} is not JSON (${error instanceof Error ? error.message : String(error)})`,
      { cause: error, advice: "load(path) reads a file written by save(path)" },
    );
  }
}
