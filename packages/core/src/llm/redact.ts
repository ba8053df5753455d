/**
 * Removal of credentials from anything that may be logged: API keys in known formats, bearer
 * tokens, `api-key` style fields, and the values of the providers' key environment variables.
 */

/** Environment variables whose values are always redacted when set. */
export const SECRET_ENV_VARS: readonly string[] = [
  "OPENAI_API_KEY",
  "ANTHROPIC_API_KEY",
  "ANTHROPIC_AUTH_TOKEN",
  "TRACE_API_KEY",
  "AZURE_OPENAI_API_KEY",
];

/** The replacement text for a redacted secret. */
export const REDACTED = "[REDACTED]";

const KEY_PATTERNS: readonly RegExp[] = [
  // OpenAI / Anthropic style keys (sk-..., sk-proj-..., sk-ant-...)
  /\bsk-[A-Za-z0-9_-]{6,}/g,
  // Authorization: Bearer <token>
  /\b(Bearer)\s+[A-Za-z0-9._~+/=-]{6,}/gi,
  // key=value / "api_key": "value" / x-api-key: value
  /\b((?:x-)?api[-_]?key|authorization|access[-_]?token|secret)(["']?\s*[:=]\s*["']?)([^\s"',}]{4,})/gi,
];

/** Cheap pre-check: could `text` match any of KEY_PATTERNS? */
const MAYBE_SECRET = /sk-|bearer|api[-_]?key|authorization|access[-_]?token|secret/i;

const SECRET_FIELD = /^(?:x-)?(?:api[-_]?key|authorization|access[-_]?token|secret|password|apiKey)$/i;

/**
 * Replaces credentials inside a string with `[REDACTED]`.
 * @param text the text to clean
 * @param secrets exact secret values to remove too (e.g. the API key in use)
 */
export function redactString(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4 && out.includes(s)) out = out.split(s).join(REDACTED);
  // fast path: most text (prompts, answers) contains nothing key-like
  if (!MAYBE_SECRET.test(out)) return out;
  out = out.replace(KEY_PATTERNS[0]!, REDACTED);
  out = out.replace(KEY_PATTERNS[1]!, (_m, bearer: string) => `${bearer} ${REDACTED}`);
  out = out.replace(KEY_PATTERNS[2]!, (_m, name: string, sep: string) => `${name}${sep}${REDACTED}`);
  return out;
}

/** The values of {@link SECRET_ENV_VARS} currently set in `env`. */
export function secretsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): string[] {
  const out: string[] = [];
  for (const name of SECRET_ENV_VARS) {
    const v = env[name];
    if (v && v.length >= 4) out.push(v);
  }
  return out;
}

/**
 * `value` with credentials removed from every string and the values of secret-looking fields
 * (`apiKey`, `authorization`, ...) replaced; parts that change are copied, the input is never
 * modified, and parts without secrets are shared with the input. Errors become plain objects
 * (`name`, `code`, `message`, `status`). Nesting deeper than 8 levels (and so any cycle) is cut.
 *
 * @param value anything
 * @param secrets exact secret values to remove too (defaults to the provider key env vars)
 */
export function redact<T>(value: T, secrets: readonly string[] = secretsFromEnv()): T {
  return walk(value, secrets, 0) as T;
}

/** Depth bound of `redact`; it also cuts reference cycles. */
const MAX_DEPTH = 8;

/**
 * Redacts recursively. Copy-on-write: a value in which nothing needed redacting is returned as
 * it is (no allocation), so logging clean events is cheap.
 */
function walk(value: unknown, secrets: readonly string[], depth: number): unknown {
  if (typeof value === "string") return redactString(value, secrets);
  if (value === null || typeof value !== "object") return value;
  if (depth > MAX_DEPTH) return "[…]";
  if (value instanceof Error) {
    const e = value as Error & { code?: unknown; status?: unknown };
    const out: Record<string, unknown> = { name: e.name, message: redactString(e.message, secrets) };
    if (e.code !== undefined) out.code = e.code;
    if (e.status !== undefined) out.status = e.status;
    return out;
  }
  if (value instanceof AbortSignal) return { aborted: value.aborted };
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const w = walk(v, secrets, depth + 1);
      if (w !== v && out === undefined) out = value.slice(0, i);
      if (out !== undefined) out.push(w);
    }
    return out ?? value;
  }
  let out: Record<string, unknown> | undefined;
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = (value as Record<string, unknown>)[k];
    const w = SECRET_FIELD.test(k) && v !== undefined && v !== null ? REDACTED : walk(v, secrets, depth + 1);
    if (w !== v && out === undefined) {
      out = {};
      for (let j = 0; j < i; j++) out[keys[j]!] = (value as Record<string, unknown>)[keys[j]!];
    }
    if (out !== undefined) out[k] = w;
  }
  return out ?? value;
}
