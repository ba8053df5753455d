/**
 * Feedback of the Battleship example: reading the policy's move, and saying in words what a shot
 * did and what the reward is now. The text is what the optimizer reads about the move.
 */
import type { Board, ShotOutcome } from "./board.js";
import type { Move } from "./policy.js";

/** A move read from what `act` returned, or why it is not a move. */
export type ReadMove = { readonly move: Move } | { readonly problem: string };

/**
 * Reads `[row, col]` from whatever the policy returned: an array of exactly two numbers. Anything
 * else is a problem in words (the numbers are checked against the board by `Board.shoot`).
 * @param value what `act` returned
 */
export function readMove(value: unknown): ReadMove {
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === "number")) {
    return { move: [value[0] as number, value[1] as number] };
  }
  return { problem: `act must return [row, col], two integers, but it returned ${preview(value)}` };
}

/** Short name of an outcome for tables: `hit`, `hit+sunk`, `miss`, `repeat`, `invalid`. */
export function outcomeLabel(outcome: ShotOutcome): string {
  switch (outcome.kind) {
    case "hit":
      return outcome.sunk ? "hit+sunk" : "hit";
    case "miss":
      return "miss";
    case "already-shot":
      return "repeat";
    case "invalid":
      return "invalid";
  }
}

/**
 * What a shot did and the reward after it, as feedback for the optimizer.
 * @param outcome the shot's outcome
 * @param after the board after the shot
 */
export function shotFeedback(outcome: ShotOutcome, after: Board): string {
  const at = `(${outcome.row}, ${outcome.col})`;
  const reward = `Reward (fraction of ship cells hit) is ${after.reward().toFixed(3)}: ${after.hits} of ${after.shipCells} ship cells hit.`;
  switch (outcome.kind) {
    case "hit": {
      const sunk = outcome.sunk ? ` It sank a ship of length ${outcome.sunk.length}.` : "";
      const end = after.done() ? " Every ship is sunk: the game is won." : "";
      return `Hit at ${at}.${sunk}${end} ${reward}`;
    }
    case "miss":
      return `Miss at ${at}: there is no ship there. ${reward}`;
    case "already-shot":
      return `Wasted move: ${at} was already shot (the map shows '${outcome.cell}' there); shoot a cell that is still '.'. ${reward}`;
    case "invalid":
      return `Wasted move: ${at} is not a cell of the ${after.size}×${after.size} board (${outcome.reason}). ${reward}`;
  }
}

/**
 * Feedback for a move that never reached the board (bad return value or an error in the code).
 * @param problem what went wrong (for an error: the exception node's feedback)
 * @param board the board, unchanged
 */
export function wastedMoveFeedback(problem: string, board: Board): string {
  return `${problem}\nWasted move: no shot was fired. Reward (fraction of ship cells hit) stays ${board.reward().toFixed(3)}.`;
}

/**
 * A note added to the next feedback when a change was undone, so the optimizer knows its last
 * code was replaced by the best code seen (and, when that code failed, how).
 * @param tried the evaluation reward of the undone code
 * @param best the evaluation reward of the code put back
 * @param error the first error the undone code threw during evaluation, if any
 */
export function revertNote(tried: number, best: number, error?: string): string {
  const failed = error === undefined ? "" : ` During evaluation it threw ${error}.`;
  return `Note: your previous change was reverted: its evaluation reward ${tried.toFixed(3)} was worse than the best so far (${best.toFixed(3)}), so the code shown is the best code seen.${failed}`;
}

function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
