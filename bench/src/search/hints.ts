/**
 * Direction hints: the small vocabulary the synthetic tasks' guides write into their feedback and
 * the noisy proposer reads back, e.g. `hint: increase x`. A real optimizer reads prose; this one
 * reads only these phrases, so how often it follows them is a knob (`quality`).
 */

/** Which way a parameter should move. */
export type Direction = "increase" | "decrease";

/** One hint read from feedback. */
export interface Hint {
  /** The parameter's base name (without the `:index` suffix of node names). */
  readonly name: string;
  /** Which way it should move. */
  readonly direction: Direction;
}

const PATTERN = /\bhint: (increase|decrease) ([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * The text of a hint, to put in a guide's feedback.
 * @param name the parameter's base name (letters, digits, `_`)
 * @param direction which way it should move
 */
export function hintText(name: string, direction: Direction): string {
  return `hint: ${direction} ${name}`;
}

/**
 * Every hint in a feedback text, in order.
 * @param text the feedback
 */
export function readHints(text: string): Hint[] {
  return [...text.matchAll(PATTERN)].map((m) => ({ direction: m[1] as Direction, name: m[2]! }));
}

/**
 * A node name without its `:index` suffix (`rule2:0` → `rule2`).
 * @param nodeName the node's name
 */
export function baseName(nodeName: string): string {
  return nodeName.replace(/:\d+$/, "");
}
