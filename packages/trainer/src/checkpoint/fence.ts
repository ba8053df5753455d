/**
 * Fencing of a run's files. When a run can be picked up by another process while the first one
 * still lives (a job queue that hands a stalled job to a second worker), the first one must not
 * write over the second one's checkpoint and log. A fence is asked right before every write.
 */

/** What a fence guards. */
export type FencedTarget = "checkpoint" | "log";

/**
 * Says whether this process may still write a run's files. `check` is called synchronously right
 * before every checkpoint rename and every run-log write, cut and creation, with nothing in
 * between; it throws (e.g. @trace-ts/scale's `StaleWriterError`) when another process has taken
 * the run over. The error ends `train()`/`resume()` like any failure; nothing is written.
 */
export interface WriteFence {
  /**
   * Throws when this process may no longer write.
   * @param target which file is about to be written
   * @param path the file
   */
  check(target: FencedTarget, path: string): void;
}
