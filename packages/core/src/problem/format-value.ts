/**
 * Text of a value for prompts, logs and diffs: strings as they are, other values as JSON where
 * possible (Maps, Sets, functions, cycles and bigints get readable stand-ins). With `maxChars`,
 * longer text is cut and a visible marker says how much was left out, so a prompt stays bounded
 * however large the graph's values are.
 */
export function formatValue(value: unknown, maxChars = Number.POSITIVE_INFINITY): string {
  const text = typeof value === "string" ? value : toJsonText(value);
  return truncateText(text, maxChars);
}

/** Cuts `text` to at most about `maxChars` characters, ending with `…[N more characters]`. */
export function truncateText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const keep = Math.max(0, Math.floor(maxChars));
  return `${text.slice(0, keep)}…[${text.length - keep} more characters]`;
}

function toJsonText(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "function") return `[function ${value.name || "anonymous"}]`;
  if (typeof value === "symbol") return value.toString();
  if (typeof value === "bigint") return `${value}n`;
  const seen = new WeakSet<object>();
  try {
    const json = JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === "bigint") return `${v}n`;
      if (typeof v === "function") return `[function ${v.name || "anonymous"}]`;
      if (v === undefined) return null;
      if (v instanceof Map) return { "[Map]": [...v.entries()] };
      if (v instanceof Set) return { "[Set]": [...v.values()] };
      if (v !== null && typeof v === "object") {
        if (seen.has(v)) return "[circular]";
        seen.add(v);
      }
      return v;
    });
    return json ?? String(value);
  } catch {
    return String(value);
  }
}
