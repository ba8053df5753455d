/**
 * Maps the keys a model wrote back to the variable keys it was shown. Models echo keys with small
 * variations: the node's name (`int:0` for `int0`), quotes or backticks, spaces, another case, a
 * type in parentheses (`int0 (number)`), or without leading underscores (`code0` for `__code0`).
 */

/** Resolves a written key to a known key, or undefined when none fits unambiguously. */
export interface KeyResolver {
  /** The known key `written` stands for, or undefined. */
  resolve(written: string): string | undefined;
}

const AMBIGUOUS = "";

/** Light normalization: no surrounding quotes/brackets/types, no spaces, lower case. */
function normalizeLight(key: string): string {
  return withoutParentheses(key)
    .replace(/["'`*<>[\]{}#$]/g, "")
    .replace(/\s+/g, "")
    .toLowerCase();
}

/**
 * The key without its parenthesized parts: like `key.replace(/\([^)]*\)/g, "")` (each `(` up to
 * the next `)` goes), in one pass; the regular expression would search for a `)` again from every
 * `(` of a key such as `((((…`, which models can write.
 */
export function withoutParentheses(key: string): string {
  let out = "";
  let from = 0;
  for (;;) {
    const open = key.indexOf("(", from);
    if (open < 0) break;
    const close = key.indexOf(")", open + 1);
    if (close < 0) break;
    out += key.slice(from, open);
    from = close + 1;
  }
  return from === 0 ? key : out + key.slice(from);
}

/** Heavy normalization: also without `:`, `_`, `-`, `.` and `/`. */
function normalizeHeavy(key: string): string {
  return normalizeLight(key).replace(/[:_\-./]/g, "");
}

function addTo(map: Map<string, string>, form: string, key: string): void {
  if (form === "") return;
  const existing = map.get(form);
  if (existing === undefined) map.set(form, key);
  else if (existing !== key) map.set(form, AMBIGUOUS);
}

/**
 * Builds a resolver for `keys`. A written key is matched exactly first, then as an alias (e.g. a
 * node name), then after light and then heavy normalization; a normalized form shared by two keys
 * matches neither, so `x1_0` and `x10` can never be confused.
 *
 * @param keys the keys the model was shown
 * @param aliases other spellings that stand for a key (alias → key), e.g. node names
 */
export function keyResolver(
  keys: readonly string[],
  aliases: Readonly<Record<string, string>> = {},
): KeyResolver {
  const exact = new Set(keys);
  const alias = new Map<string, string>();
  for (const [a, k] of Object.entries(aliases)) if (exact.has(k) && !exact.has(a)) alias.set(a, k);
  const light = new Map<string, string>();
  const heavy = new Map<string, string>();
  for (const k of keys) {
    addTo(light, normalizeLight(k), k);
    addTo(heavy, normalizeHeavy(k), k);
  }
  for (const [a, k] of alias) {
    addTo(light, normalizeLight(a), k);
    addTo(heavy, normalizeHeavy(a), k);
  }
  return {
    resolve(written: string): string | undefined {
      if (exact.has(written)) return written;
      const trimmed = written.trim();
      if (exact.has(trimmed)) return trimmed;
      const viaAlias = alias.get(trimmed);
      if (viaAlias !== undefined) return viaAlias;
      const l = light.get(normalizeLight(trimmed));
      if (l !== undefined) return l === AMBIGUOUS ? undefined : l;
      const h = heavy.get(normalizeHeavy(trimmed));
      return h === undefined || h === AMBIGUOUS ? undefined : h;
    },
  };
}
