/**
 * What an evaluation worker runs: a named task that builds the agent, forward function and guide.
 * The same module is imported by the program that evaluates (for the task's name) and by the
 * workers (to run it).
 */
import type { Agent, RemotePieces } from "@trace-ts/trainer";
import { InvalidTaskError } from "../errors.js";
import { checkKeyPart } from "../redis-connection.js";

/** An agent built for one set of parameter values. */
export interface EvaluationInstance<I = unknown, O = unknown, T = unknown> extends RemotePieces<I, O, T> {
  /**
   * The agent whose parameters receive the values sent with each evaluation (by name). Without
   * it, the values are not applied (the workers run their own).
   */
  readonly agent?: Agent;
}

/** A task an evaluation worker can run (see `defineEvaluationTask`). */
export interface EvaluationTask<I = unknown, O = unknown, T = unknown> {
  /** Always `evaluation`. */
  readonly kind: "evaluation";
  /** The task's name; the executor's `task` must be the same. */
  readonly name: string;
  /**
   * Builds a fresh agent, forward function and guide. Called once per distinct set of parameter
   * values a worker meets; the result serves every example sent with those values, concurrently,
   * so it must not share parameter nodes with other calls.
   */
  create(): EvaluationInstance<I, O, T> | Promise<EvaluationInstance<I, O, T>>;
}

/**
 * Declares an evaluation task, e.g. as the default export of the module given to
 * `trace-ts-scale worker --task`.
 *
 * @example
 * export default defineEvaluationTask({
 *   name: "word-problems",
 *   create: () => {
 *     const agent = new Solver(model);
 *     return { agent, forward: (q) => agent.solve(q), guide: exactMatch() };
 *   },
 * });
 *
 * @param task its name and how to build the agent
 */
export function defineEvaluationTask<I, O, T>(
  task: Omit<EvaluationTask<I, O, T>, "kind">,
): EvaluationTask<I, O, T> {
  if (task === null || typeof task !== "object" || typeof task.create !== "function") {
    throw new InvalidTaskError("defineEvaluationTask: the task needs a name and a create() function");
  }
  checkKeyPart("defineEvaluationTask", "name", task.name, true);
  return { kind: "evaluation", name: task.name, create: task.create.bind(task) };
}

/**
 * Whether a value (e.g. a module's default export) is an evaluation task.
 * @param value the value
 */
export function isEvaluationTask(value: unknown): value is EvaluationTask {
  const t = value as Partial<EvaluationTask> | null;
  return (
    typeof t === "object" &&
    t !== null &&
    t.kind === "evaluation" &&
    typeof t.name === "string" &&
    typeof t.create === "function"
  );
}
