/**
 * The Battleship run log: one JSON object per line and per iteration, easy to plot
 * (`{ iteration, reward, evalReward, changed, reverted }`).
 */
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** One iteration of online training. */
export interface IterationRecord {
  /** 1-based iteration number. */
  readonly iteration: number;
  /** Reward of the training game after this iteration's move (fraction of its ship cells hit). */
  readonly reward: number;
  /** Evaluation reward of the policy in force at the end of the iteration (after any revert). */
  readonly evalReward: number;
  /** Whether the optimizer step changed the code. */
  readonly changed: boolean;
  /** Whether that change was undone because it evaluated worse than the best code seen. */
  readonly reverted: boolean;
}

/** A JSON Lines file written one record at a time (the file is created empty, with its folder). */
export class RunLog {
  /** Path of the file. */
  readonly path: string;

  /** @param path the file to create (replaced if it exists) */
  constructor(path: string) {
    this.path = path;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, "");
  }

  /** Appends one record as a line. */
  write(record: IterationRecord): void {
    appendFileSync(this.path, `${JSON.stringify(record)}\n`);
  }
}
