/**
 * Checked reads of untrusted JSON: every field of a log or cassette goes through one of these, so
 * a record of an unexpected shape renders as "missing" instead of throwing.
 */

/** A plain object (not an array, not null), or undefined. */
export function obj(x: unknown): Readonly<Record<string, unknown>> | undefined {
  return typeof x === "object" && x !== null && !Array.isArray(x)
    ? (x as Record<string, unknown>)
    : undefined;
}

/** An array, or an empty one. */
export function arr(x: unknown): readonly unknown[] {
  return Array.isArray(x) ? x : [];
}

/** A finite number, or undefined. */
export function num(x: unknown): number | undefined {
  return typeof x === "number" && Number.isFinite(x) ? x : undefined;
}

/** A string, or undefined. */
export function str(x: unknown): string | undefined {
  return typeof x === "string" ? x : undefined;
}

/** A boolean, or undefined. */
export function bool(x: unknown): boolean | undefined {
  return typeof x === "boolean" ? x : undefined;
}

/** Field `key` of `x` when `x` is an object. */
export function field(x: unknown, key: string): unknown {
  const o = obj(x);
  return o === undefined ? undefined : Object.hasOwn(o, key) ? o[key] : undefined;
}

/** A value as text for display: strings as they are, anything else as indented JSON. */
export function asText(x: unknown): string {
  if (typeof x === "string") return x;
  if (x === undefined) return "";
  try {
    return JSON.stringify(x, null, 2) ?? String(x);
  } catch {
    return String(x);
  }
}

/** A number for a table cell: up to 4 significant decimals, "–" when missing. */
export function fmt(x: number | undefined | null): string {
  if (x === undefined || x === null) return "–";
  return Number.isInteger(x) ? String(x) : String(Number(x.toFixed(4)));
}

/**
 * A duration for people: whole milliseconds from 10 ms up, one decimal below, seconds from 10 s.
 * @param ms milliseconds, or nothing
 */
export function fmtMs(ms: number | undefined | null): string {
  if (ms === undefined || ms === null) return "–";
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  return ms >= 10 ? `${Math.round(ms)} ms` : `${ms.toFixed(1)} ms`;
}
