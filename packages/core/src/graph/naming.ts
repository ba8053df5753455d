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

let nextScopeId = 1;

/**
 * A set of name counters. Graph scopes (`graphScope()`) get their own, so names restart at 0 and
 * concurrent tasks in separate scopes produce the same names regardless of interleaving. It holds
 * one counter per distinct stem, never a list of nodes.
 */
export class NameScope {
  /** Process-unique identifier; nodes remember the scope their key was drawn from. */
  readonly id = nextScopeId++;
  readonly #counters = new Map<string, number>();

  /** Allocates the next `{ name, key }` pair for a base name. */
  allocate(base: string): {
    /** The node's name: the cleaned base and the index, `base:index` (e.g. `str:0`). */
    name: string;
    /** The node's key: the key stem and the index (e.g. `str0`), unique within this scope. */
    key: string;
  } {
    const info = baseInfo(base);
    const index = this.nextIndex(info);
    return { name: `${info.clean}:${index}`, key: `${info.stem}${index}` };
  }

  /** Takes the next index for a base (see `baseInfo`); nodes build their name and key from it lazily. */
  nextIndex(info: BaseInfo): number {
    const index = this.#counters.get(info.stem) ?? 0;
    this.#counters.set(info.stem, index + 1);
    return index;
  }

  /** Forgets every counter: the next node of each base gets index 0 again. */
  reset(): void {
    this.#counters.clear();
  }
}

const BASE_CACHE_LIMIT = 4096;
const baseCache = new Map<string, BaseInfo>();

/** A base name prepared for naming: `clean` for `name`, `stem` for `key`. */
export interface BaseInfo {
  /** The base as it appears in names (`base:index`). */
  readonly clean: string;
  /** The key stem (`stem` + index is the key). */
  readonly stem: string;
}

/** Cleaned base and key stem of a base name, memoized (names are allocated for every node). */
export function baseInfo(base: string): BaseInfo {
  let info = baseCache.get(base);
  if (info === undefined) {
    const clean = cleanBase(base);
    info = { clean, stem: keyStem(clean) };
    if (baseCache.size >= BASE_CACHE_LIMIT) baseCache.clear();
    baseCache.set(base, info);
  }
  return info;
}
