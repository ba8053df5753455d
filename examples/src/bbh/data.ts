/**
 * BigBench-Hard task files: reading them and splitting them per the paper's protocol.
 *
 * A task is one file `<task>.json` in the public BBH layout, `{"examples": [{"input": "…",
 * "target": "…"}, …]}` (other top-level fields, such as the `canary` string of the real files,
 * are ignored). The split is **in file order**, as in the Trace paper's BBH runs: the first 15
 * examples train, the next 5 validate, all the others are the test split. Nothing is shuffled, so
 * a task file always gives the same split.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { Dataset, type Example } from "@trace-ts/trainer";

/** Examples in the training split of every task. */
export const TRAIN_SIZE = 15;
/** Examples in the validation split of every task. */
export const VALIDATION_SIZE = 5;
/** Largest task file read (50 MB): anything bigger is refused unread. */
export const MAX_TASK_FILE_BYTES = 50 * 1024 * 1024;

/** A task directory or file that cannot be used; the message names the file and the problem. */
export class BbhDataError extends Error {
  /** The file or directory concerned. */
  readonly file: string;

  /**
   * @param file the file or directory concerned
   * @param problem what is wrong with it (the message is `<file>: <problem>`)
   */
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = "BbhDataError";
    this.file = file;
  }
}

/** One BBH example: the question, the expected answer and an id `<task>/<index>`. */
export interface BbhExample extends Example<string, string> {
  /** `<task>/<index in the file>`. */
  readonly id: string;
  /** The question. */
  readonly input: string;
  /** The expected answer. */
  readonly target: string;
}

/** A task read from its file. */
export interface BbhTask {
  /** The task's name (the file name without `.json`). */
  readonly name: string;
  /** The file it was read from. */
  readonly file: string;
  /** Its examples, in file order. */
  readonly examples: readonly BbhExample[];
}

/** The three splits of a task. */
export interface BbhSplit {
  /** The first 15 examples. */
  readonly train: Dataset<BbhExample>;
  /** The next 5. */
  readonly validation: Dataset<BbhExample>;
  /** All the others. */
  readonly test: Dataset<BbhExample>;
}

const TASK_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/**
 * Checks that `dir` is a readable directory.
 * @param dir the directory the user gave
 */
async function checkDirectory(dir: string): Promise<void> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(dir);
  } catch {
    throw new BbhDataError(dir, "data directory not found");
  }
  if (!info.isDirectory())
    throw new BbhDataError(dir, "not a directory (--data needs a directory of <task>.json files)");
}

/**
 * The task names in a directory: its `*.json` files without the extension, sorted.
 * @param dir the data directory
 */
export async function listTasks(dir: string): Promise<string[]> {
  await checkDirectory(dir);
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".json"))
    .map((e) => e.name.slice(0, -".json".length))
    .sort();
}

function describeJson(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/**
 * Reads the text of a task file in the BBH layout. Pure: the tests call it with text in memory.
 *
 * @param text the file's content
 * @param file the file's path, for messages
 * @param name the task's name, for the example ids
 * @throws BbhDataError when the text is not JSON or not in the layout
 */
export function parseTaskFile(text: string, file: string, name: string): BbhTask {
  let data: unknown;
  try {
    data = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    throw new BbhDataError(
      file,
      `not valid JSON (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new BbhDataError(file, `expected an object {"examples": [...]}, got ${describeJson(data)}`);
  }
  const list = (data as { examples?: unknown }).examples;
  if (!Array.isArray(list)) {
    throw new BbhDataError(
      file,
      list === undefined
        ? 'no "examples" field (expected {"examples": [{"input": "...", "target": "..."}, ...]})'
        : `"examples" must be an array, got ${describeJson(list)}`,
    );
  }
  const examples = list.map((item: unknown, i): BbhExample => {
    if (item === null || typeof item !== "object" || Array.isArray(item)) {
      throw new BbhDataError(
        file,
        `examples[${i}] must be an object {"input", "target"}, got ${describeJson(item)}`,
      );
    }
    const { input, target } = item as { input?: unknown; target?: unknown };
    for (const [field, value] of [
      ["input", input],
      ["target", target],
    ] as const) {
      if (typeof value !== "string") {
        throw new BbhDataError(
          file,
          `examples[${i}].${field} ${value === undefined ? "is missing" : `is ${describeJson(value)}`} (expected a string)`,
        );
      }
    }
    return { id: `${name}/${i}`, input: input as string, target: target as string };
  });
  return { name, file, examples };
}

/**
 * Reads one task file, `<dir>/<name>.json`.
 *
 * @param dir the data directory
 * @param name the task's name
 * @throws BbhDataError for a bad name, a missing, unreadable, too large or malformed file
 */
export async function readTask(dir: string, name: string): Promise<BbhTask> {
  if (!TASK_NAME.test(name)) {
    throw new BbhDataError(name, "not a task name (letters, digits, _, - and . only; no paths)");
  }
  const file = join(dir, `${name}.json`);
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new BbhDataError(file, "not a file");
    size = info.size;
  } catch (error) {
    if (error instanceof BbhDataError) throw error;
    const known = await listTasks(dir);
    throw new BbhDataError(
      file,
      `task "${name}" not found (tasks in ${dir}: ${known.length === 0 ? "none" : known.join(", ")})`,
    );
  }
  if (size > MAX_TASK_FILE_BYTES) {
    throw new BbhDataError(
      file,
      `${size} bytes is larger than the limit of ${MAX_TASK_FILE_BYTES} bytes (50 MB)`,
    );
  }
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new BbhDataError(
      file,
      `cannot be read (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  return parseTaskFile(text, file, name);
}

/**
 * Reads the tasks to run: the ones named (in the order given), or every `*.json` file of the
 * directory (sorted by name). Each must have enough examples for all three splits.
 *
 * @param dir the data directory
 * @param names task names from `--tasks`, or undefined for all
 * @throws BbhDataError for a missing directory, no task files, a name given twice or a bad file
 */
export async function loadTasks(dir: string, names?: readonly string[]): Promise<BbhTask[]> {
  await checkDirectory(dir);
  const chosen = names ?? (await listTasks(dir));
  if (chosen.length === 0) throw new BbhDataError(dir, "no task files (*.json) in the data directory");
  const seen = new Set<string>();
  const tasks: BbhTask[] = [];
  for (const name of chosen) {
    if (seen.has(name)) throw new BbhDataError(name, "task listed twice in --tasks");
    seen.add(name);
    const task = await readTask(dir, name);
    splitTask(task); // checks the size now, before any task runs
    tasks.push(task);
  }
  return tasks;
}

/**
 * Splits a task in file order: 15 train, 5 validation, the rest test.
 *
 * @param task the task
 * @throws BbhDataError when it has fewer than 21 examples (the test split would be empty)
 */
export function splitTask(task: BbhTask): BbhSplit {
  const n = task.examples.length;
  const needed = TRAIN_SIZE + VALIDATION_SIZE + 1;
  if (n < needed) {
    throw new BbhDataError(
      task.file,
      `${n} example(s), but the protocol needs at least ${needed} (${TRAIN_SIZE} train, ${VALIDATION_SIZE} validation, 1 or more test)`,
    );
  }
  const part = (from: number, to: number, split: string) =>
    Dataset.from(task.examples.slice(from, to), { name: `${task.name}/${split}` });
  return {
    train: part(0, TRAIN_SIZE, "train"),
    validation: part(TRAIN_SIZE, TRAIN_SIZE + VALIDATION_SIZE, "validation"),
    test: part(TRAIN_SIZE + VALIDATION_SIZE, n, "test"),
  };
}
