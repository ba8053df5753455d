/**
 * The two trainable green times, each an integer number of seconds in [15, 90]. The range is
 * shown to the optimizer as the parameter's `constraint` and enforced by the parameter's
 * validator: every optimizer converts a suggested value and then asks `validate()`, so a value out
 * of range (or not a whole number) is refused with the reason and the parameter keeps its value.
 * OptoPrime sends the reason back to the model and asks again.
 */
import { ParameterNode } from "@trace-ts/core";
import { truncateText } from "@trace-ts/core/optimizer";
import { DIRECTION_LABELS, type Direction } from "./simulator.js";

/** Shortest green time allowed, in seconds. */
export const MIN_GREEN = 15;
/** Longest green time allowed, in seconds. */
export const MAX_GREEN = 90;
/** The constraint text the optimizer sees. */
export const GREEN_CONSTRAINT = `an integer number of seconds between ${MIN_GREEN} and ${MAX_GREEN}`;

/**
 * Why `candidate` cannot be a green time, or undefined when it can.
 * @param candidate a value an optimizer suggested (already converted to a number)
 */
export function greenTimeProblem(candidate: unknown): string | undefined {
  if (
    typeof candidate !== "number" ||
    !Number.isInteger(candidate) ||
    candidate < MIN_GREEN ||
    candidate > MAX_GREEN
  )
    // the candidate is model output: quoted in part only
    return `must be ${GREEN_CONSTRAINT}, got ${truncateText(JSON.stringify(candidate) ?? String(candidate), 80)}`;
  return undefined;
}

/** The trainable green times by approach. */
export type GreenParameters = Readonly<Record<Direction, ParameterNode<number>>>;

/**
 * Makes the two trainable green-time parameters (named `greenNorthSouth` and `greenEastWest`).
 * `node()` has no validator option, so the parameters are built with `new ParameterNode`, which
 * takes the same name, description and constraint plus `validate`.
 *
 * @param initial the starting green seconds per approach (each must satisfy the constraint)
 * @throws RangeError when a starting value breaks the constraint
 */
export function greenParameters(initial: Readonly<Record<Direction, number>>): GreenParameters {
  const make = (direction: Direction, name: string): ParameterNode<number> => {
    const problem = greenTimeProblem(initial[direction]);
    if (problem !== undefined) throw new RangeError(`starting green time ${name} ${problem}`);
    return new ParameterNode<number>(initial[direction], {
      trainable: true,
      name,
      description: `green time of the ${DIRECTION_LABELS[direction]} approach in each signal cycle, in seconds`,
      constraint: GREEN_CONSTRAINT,
      validate: greenTimeProblem,
    });
  };
  return { northSouth: make("northSouth", "greenNorthSouth"), eastWest: make("eastWest", "greenEastWest") };
}
