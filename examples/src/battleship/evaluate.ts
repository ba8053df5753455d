/**
 * Evaluation of a Battleship policy: a fixed number of moves on each of a few seeded boards,
 * scored by the reward (fraction of ship cells hit) at the end. A move whose code throws, or that
 * returns something other than a cell still to shoot, is a wasted move: it counts, nothing else.
 */
import { ExecutionError } from "@trace-ts/core";
import { Board, type BoardOptions } from "./board.js";
import { readMove } from "./feedback.js";
import type { BattleshipPolicy } from "./policy.js";

/** Options of `evaluatePolicy`. */
export interface EvaluationOptions {
  /** One board per seed. */
  readonly boardSeeds: readonly number[];
  /** Moves played on each board (fewer when a board is cleared). */
  readonly moves: number;
  /** Board size and ships. */
  readonly board?: BoardOptions;
}

/** What an evaluation measured. */
export interface Evaluation {
  /** Mean of `rewards`. */
  readonly mean: number;
  /** Reward at the end of each board's game, in the order of the seeds. */
  readonly rewards: readonly number[];
  /** Moves whose code threw an error. */
  readonly errors: number;
  /** Moves that fired no useful shot (errors, malformed moves, cells already shot or off the board). */
  readonly wasted: number;
  /** The first error message seen, if any (`Name: message`). */
  readonly firstError: string | undefined;
}

/**
 * Plays `moves` moves on each seeded board with the policy's current code (untraced calls) and
 * reports the mean final reward.
 * @param policy the policy
 * @param options boards and moves
 */
export function evaluatePolicy(policy: BattleshipPolicy, options: EvaluationOptions): Evaluation {
  const rewards: number[] = [];
  let errors = 0;
  let wasted = 0;
  let firstError: string | undefined;
  for (const seed of options.boardSeeds) {
    let board = Board.fromSeed(seed, options.board);
    for (let move = 0; move < options.moves && !board.done(); move++) {
      let value: unknown;
      try {
        value = policy.play(board.view());
      } catch (error) {
        if (!(error instanceof ExecutionError)) throw error;
        errors++;
        wasted++;
        firstError ??= error.exceptionNode.data;
        continue;
      }
      const read = readMove(value);
      if (!("move" in read)) {
        wasted++;
        continue;
      }
      const shot = board.shoot(read.move[0], read.move[1]);
      if (shot.outcome.kind === "already-shot" || shot.outcome.kind === "invalid") wasted++;
      board = shot.board;
    }
    rewards.push(board.reward());
  }
  const mean = rewards.reduce((a, b) => a + b, 0) / Math.max(1, rewards.length);
  return { mean, rewards, errors, wasted, firstError };
}
