/**
 * Structural equality, the meaning of Python's `==` for the values JavaScript programs pass
 * around. `eq`, `neq`, `contains`, `remove` and the set operations use it.
 */

/** `Object.is` except that `0` and `-0` are the same: how `Map` and `Set` compare keys. */
export function sameValueZero(x: unknown, y: unknown): boolean {
  // biome-ignore lint/suspicious/noSelfCompare: NaN is the only value not equal to itself
  return x === y || (x !== x && y !== y);
}

/** Pairs being compared further up the stack: a pair met again is assumed equal (cycles). */
type InProgress = Map<object, Set<object>>;

/**
 * Whether `x` and `y` are equal the way Python's `==` compares them:
 * - primitives with `===` (so `NaN` differs from itself and `0` equals `-0`; `1` differs from `"1"`);
 * - arrays by length and elements, in order;
 * - plain objects (prototype `Object.prototype` or `null`) by their own enumerable keys (symbols
 *   included) and the values under them, in any order;
 * - `Map`s by size, keys (looked up as `Map` does, SameValueZero) and structurally equal values;
 * - `Set`s by size and membership (`setHas`: object members are matched structurally);
 * - `Date`s by time;
 * - any other object (class instances, functions, typed arrays) by identity.
 * Values that contain themselves are compared without looping: a pair of objects met again
 * while it is being compared counts as equal.
 */
export function structurallyEqual(x: unknown, y: unknown): boolean {
  return equal(x, y, new Map());
}

/**
 * Whether `set` holds `item`: the member itself (SameValueZero), or, for an object `item`, a
 * member structurally equal to it.
 */
export function setHas(set: ReadonlySet<unknown>, item: unknown): boolean {
  return findIn(set, item, new Map()) !== undefined;
}

/**
 * The member of `set` that `setHas` matches with `item`, in a box (so that a matched `undefined`
 * member is told apart from no match); `undefined` when none matches. Used to delete it.
 */
export function findSetMember(
  set: ReadonlySet<unknown>,
  item: unknown,
): { readonly member: unknown } | undefined {
  return findIn(set, item, new Map());
}

function findIn(set: ReadonlySet<unknown>, item: unknown, seen: InProgress): { member: unknown } | undefined {
  if (set.has(item)) return { member: item };
  if (item === null || typeof item !== "object") return undefined;
  for (const member of set) if (equal(member, item, seen)) return { member };
  return undefined;
}

function equal(x: unknown, y: unknown, seen: InProgress): boolean {
  if (x === y) return true;
  if (x === null || y === null || typeof x !== "object" || typeof y !== "object") return false;
  let partners = seen.get(x);
  if (partners?.has(y)) return true;
  if (partners === undefined) {
    partners = new Set();
    seen.set(x, partners);
  }
  partners.add(y);
  try {
    return equalObjects(x, y, seen);
  } finally {
    partners.delete(y);
  }
}

function equalObjects(x: object, y: object, seen: InProgress): boolean {
  if (Array.isArray(x) || Array.isArray(y)) {
    if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!equal(x[i], y[i], seen)) return false;
    return true;
  }
  if (x instanceof Map || y instanceof Map) {
    if (!(x instanceof Map) || !(y instanceof Map) || x.size !== y.size) return false;
    for (const [k, v] of x) if (!y.has(k) || !equal(v, y.get(k), seen)) return false;
    return true;
  }
  if (x instanceof Set || y instanceof Set) {
    if (!(x instanceof Set) || !(y instanceof Set) || x.size !== y.size) return false;
    for (const member of x) if (findIn(y, member, seen) === undefined) return false;
    return true;
  }
  if (x instanceof Date || y instanceof Date) {
    return x instanceof Date && y instanceof Date && x.getTime() === y.getTime();
  }
  if (!isPlain(x) || !isPlain(y)) return false; // distinct class instances: identity only
  const xKeys = ownEnumerableKeys(x);
  const yKeys = ownEnumerableKeys(y);
  if (xKeys.length !== yKeys.length) return false;
  const xr = x as Record<PropertyKey, unknown>;
  const yr = y as Record<PropertyKey, unknown>;
  for (const k of xKeys) {
    if (!Object.prototype.propertyIsEnumerable.call(y, k) || !equal(xr[k], yr[k], seen)) return false;
  }
  return true;
}

function isPlain(o: object): boolean {
  const proto = Object.getPrototypeOf(o) as unknown;
  return proto === Object.prototype || proto === null;
}

function ownEnumerableKeys(o: object): PropertyKey[] {
  return Reflect.ownKeys(o).filter((k) => Object.prototype.propertyIsEnumerable.call(o, k));
}
