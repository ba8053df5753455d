/** Parsing of the servers' "wait this long before retrying" hints. */

/** Anything headers can be read from: a fetch `Headers`, or a plain record. */
export type HeaderSource =
  | {
      /** The value of header `name` (asked for in lower case), or null/undefined when absent. */
      get(name: string): string | null | undefined;
    }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * Reads a retry delay from response headers: `retry-after-ms` (milliseconds, OpenAI/Anthropic),
 * then `retry-after` (seconds, or an HTTP date). Returns undefined when absent or unparsable;
 * never negative.
 *
 * @param headers response headers
 * @param now current time in ms since the epoch (for HTTP-date values)
 */
export function parseRetryAfter(
  headers: HeaderSource | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const ms = header(headers, "retry-after-ms");
  if (ms !== undefined) {
    const n = Number.parseFloat(ms);
    if (Number.isFinite(n) && n >= 0) return n;
  }
  const value = header(headers, "retry-after");
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number.parseFloat(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

function header(headers: HeaderSource, name: string): string | undefined {
  if (typeof headers.get === "function") {
    const v = (headers as { get(name: string): string | null | undefined }).get(name);
    return v ?? undefined;
  }
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  for (const key of Object.keys(record)) {
    if (key.toLowerCase() !== name) continue;
    const v = record[key];
    return Array.isArray(v) ? v[0] : (v as string | undefined);
  }
  return undefined;
}
