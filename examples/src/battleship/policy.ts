/**
 * The Battleship policy: a model with two trainable methods, `reason` (reads the map, returns a
 * plan) and `act` (turns map and plan into the next shot). Both start empty — `reason` returns an
 * empty plan and `act` throws — so everything the policy knows is code an optimizer wrote. That
 * code runs in the isolation tier of trainable bundles (the `realm` sandbox by default, or `strict`
 * with TRACE_ISOLATION=strict); it gets plain data in and must return plain data.
 */
import { bundle, type MaybeNode, type MessageNode, Model, model, traced } from "@trace-ts/core";

/** The agent's map: one string per row (row 0 first), `.` not shot, `X` hit, `O` miss. */
export type BoardMap = readonly string[];

/** What `reason` hands to `act`: any JSON object the code chooses. */
export type Plan = Readonly<Record<string, unknown>>;

/** A shot, `[row, col]`, 0-based. */
export type Move = readonly [number, number];

const MAP_HELP =
  "map is an array of strings, one per row (row 0 first); character c of a row is column c. " +
  "'.' is a cell not shot yet, 'X' a hit on a ship, 'O' a miss. Ship positions are never shown.";

/** A Battleship player whose analysis (`reason`) and targeting (`act`) are trainable code. */
@model
export class BattleshipPolicy extends Model {
  /** Reads the map and returns a plan (a JSON object) for `act`. Starts out empty. */
  @bundle({
    trainable: true,
    description: `Analyses the Battleship map and returns a plan: a plain JSON object passed to act. ${MAP_HELP}`,
  })
  // biome-ignore lint/correctness/noUnusedFunctionParameters: the starting code ignores the map; training writes it
  reason(map: BoardMap): Plan {
    return {};
  }

  /** Chooses the next shot from the map and the plan. Starts out not implemented. */
  @bundle({
    trainable: true,
    description: `Chooses the next shot: returns [row, col], two 0-based integers naming a cell that is still '.'. ${MAP_HELP} plan is what reason returned.`,
  })
  // biome-ignore lint/correctness/noUnusedFunctionParameters: the starting code ignores its inputs; training writes it
  act(map: BoardMap, plan: Plan): Move {
    throw new Error("act is not implemented yet: it must return [row, col]");
  }

  /** One traced decision: `act(map, reason(map))`, recorded so feedback reaches both methods' code. */
  decide(map: MaybeNode<BoardMap>): MessageNode<Move> {
    const t = traced(this);
    return t.act(map, t.reason(map));
  }

  /** One untraced decision (for evaluation): the raw value `act` returned. Throws `ExecutionError`. */
  play(map: BoardMap): unknown {
    return this.act(map, this.reason(map));
  }
}

/** The policy's two code parameters (for scripting suggestions and for reports). */
export function policyCode(policy: BattleshipPolicy) {
  const t = traced(policy);
  return { reason: t.reason.parameter!, act: t.act.parameter! };
}
