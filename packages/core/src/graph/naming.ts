/**
 * Node naming. Every node gets a human-readable `name` (`base:index`, e.g. `add:3`) and an
 * LLM-facing `key` (an identifier, e.g. `add3`) that optimizers show to the model and read back.
 *
 * Keys must never collide. Appending the index to the base directly is ambiguous when the base
 * ends in a digit (`x1` + `0` and `x` + `10` both give `x10`), so the key stem of such a base
 * gets a trailing underscore (`x1_0`), and indices are counted per *stem*, not per base. A stem
 * never ends in a digit, so a key splits uniquely into stem and index: two nodes of one scope can
 * never share a key.
 */

/** Turns a user-chosen base name into a key stem: a valid identifier prefix not ending in a digit. */
export function keyStem(base: string): string {
  let stem = base.replace(/[^A-Za-z0-9_$]/g, "_");
  if (stem === "") stem = "node";
  if (/^[0-9]/.test(stem)) stem = `_${stem}`;
  if (/[0-9]$/.test(stem)) stem = `${stem}_`;
  return stem;
}

/** Cleans a base name for use in `name` (no `:`; never empty). */
export function cleanBase(base: string): string {
  const cleaned = base.replace(/:/g, "_").trim();
  return cleaned === "" ? "node" : cleaned;
}

/**
 * A set of name counters. Graph scopes (`graphScope()`) get their own, so names restart at 0 and
 * concurrent tasks in separate scopes produce the same names regardless of interleaving. It holds
 * one counter per distinct stem, never a list of nodes.
 */
export class NameScope {
  readonly #counters = new Map<string, number>();

  /** Allocates the next `{ name, key }` pair for a base name. */
  allocate(base: string): { name: string; key: string } {
    const clean = cleanBase(base);
    const stem = keyStem(clean);
    const index = this.#counters.get(stem) ?? 0;
    this.#counters.set(stem, index + 1);
    return { name: `${clean}:${index}`, key: `${stem}${index}` };
  }

  /** Forgets every counter: the next node of each base gets index 0 again. */
  reset(): void {
    this.#counters.clear();
  }
}
