/**
 * Removal of credentials from anything that may be logged or shown: API keys in known formats,
 * bearer tokens, `api-key` style fields, credentials in URLs (`http://user:pass@host`), the values
 * of the providers' key environment variables, and the exact secrets providers register
 * (`registerSecret`) for the keys they were configured with, whatever their shape.
 */

import { types } from "node:util";

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
  // credentials in a URL: scheme://user:password@host (the whole userinfo goes)
  /\b([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^\s/?#@"'<>]+@/g,
  // OpenAI / Anthropic style keys (sk-..., sk-proj-..., sk-ant-...)
  /\bsk-[A-Za-z0-9_-]{6,}/g,
  // Authorization: Bearer <token>
  /\b(Bearer)\s+[A-Za-z0-9._~+/=-]{6,}/gi,
  // key=value / "api_key": "value" / x-api-key: value
  /\b((?:x-)?api[-_]?key|authorization|access[-_]?token|secret)(["']?\s*[:=]\s*["']?)([^\s"',}]{4,})/gi,
];

/** Cheap pre-check: could `text` match any of KEY_PATTERNS? */
const MAYBE_SECRET = /sk-|bearer|api[-_]?key|authorization|access[-_]?token|secret|:\/\/[^\s/?#@]+@/i;

const SECRET_FIELD =
  /^(?:x-)?(?:api[-_]?key|authorization|proxy-authorization|access[-_]?token|auth[-_]?token|secret|password|apiKey)$/i;

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
  out = out.replace(KEY_PATTERNS[0]!, (_m, scheme: string) => `${scheme}${REDACTED}@`);
  out = out.replace(KEY_PATTERNS[1]!, REDACTED);
  out = out.replace(KEY_PATTERNS[2]!, (_m, bearer: string) => `${bearer} ${REDACTED}`);
  out = out.replace(KEY_PATTERNS[3]!, (_m, name: string, sep: string) => `${name}${sep}${REDACTED}`);
  return out;
}

/** Secrets registered process-wide (see {@link registerSecret}), oldest first. */
const registered = new Set<string>();
/** At most this many registered secrets are kept; the oldest are forgotten first. */
const MAX_REGISTERED = 256;
/** Shortest value `registerSecret` accepts: shorter ones would redact ordinary words everywhere. */
const MIN_REGISTERED_LENGTH = 8;
let registryVersion = 0;

/**
 * Registers an exact secret value (an API key of any shape, a password) to be removed
 * process-wide by `redact`, `redactError` and the log hooks (through {@link knownSecrets}).
 * Providers call it with the key they were configured with, so a key that does not look like one
 * (no `sk-` prefix) is still removed from logs. Values shorter than 8 characters are ignored (they
 * would redact ordinary words); at most 256 values are kept.
 *
 * @param value the secret
 */
export function registerSecret(value: string | undefined | null): void {
  if (typeof value !== "string" || value.length < MIN_REGISTERED_LENGTH || registered.has(value)) return;
  if (registered.size >= MAX_REGISTERED) {
    const oldest = registered.values().next().value;
    if (oldest !== undefined) registered.delete(oldest);
  }
  registered.add(value);
  registryVersion++;
}

/** Changes whenever {@link registerSecret} adds a value (for callers that cache secret lists). */
export function secretRegistryVersion(): number {
  return registryVersion;
}

/** The values given to {@link registerSecret}, oldest first. */
export function registeredSecrets(): string[] {
  return [...registered];
}

/**
 * Every secret value currently known: the values of {@link SECRET_ENV_VARS} set in `env` and the
 * values given to {@link registerSecret}.
 * @param env environment to read (default `process.env`)
 */
export function knownSecrets(env: Readonly<Record<string, string | undefined>> = process.env): string[] {
  return [...secretsFromEnv(env), ...registered];
}

/** What a provider was configured with, for {@link providerSecrets}. */
export interface ProviderSecretSources {
  /** The API key in use (from an option or the environment). */
  readonly apiKey?: string | null | undefined;
  /** Extra request headers; the values of credential-named ones (`authorization`, `api-key`, …) are secrets. */
  readonly headers?: Readonly<Record<string, string | null | undefined>> | undefined;
  /** The base URL; its password (`http://user:password@host`) is a secret. */
  readonly baseURL?: string | undefined;
}

/**
 * The exact secret values a provider was configured with: the API key, the values of
 * credential-named headers, and the password of a base URL (raw and percent-decoded). Give them
 * to `ProviderErrorContext.secrets` so error messages never show them, and register them with
 * {@link registerSecret} so logs never show them.
 *
 * @param sources key, headers and base URL
 */
export function providerSecrets(sources: ProviderSecretSources): string[] {
  const out = new Set<string>();
  const add = (v: string | null | undefined): void => {
    if (typeof v === "string" && v.length >= 4) out.add(v);
  };
  add(sources.apiKey);
  for (const [name, value] of Object.entries(sources.headers ?? {})) {
    if (typeof value !== "string" || !SECRET_FIELD.test(name)) continue;
    add(value);
    const token = /^\s*\S+\s+(\S+)\s*$/.exec(value); // "Bearer <token>", "Basic <token>"
    add(token?.[1]);
  }
  if (sources.baseURL) {
    const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^\s/?#@]*)@/.exec(sources.baseURL);
    const password = m?.[1]?.includes(":") ? m[1].slice(m[1].indexOf(":") + 1) : undefined;
    if (password) {
      add(password);
      try {
        add(decodeURIComponent(password));
      } catch {
        // not valid percent-encoding: the raw form is enough
      }
    }
  }
  return [...out];
}

/**
 * A copy of an error safe to print: its message, stack and every own property (the response body,
 * headers, …) redacted, its `cause` chain copied the same way. The copy keeps the original's
 * prototype when it can (so `instanceof` and the class name in `util.inspect` still hold);
 * otherwise it is a plain `Error` with the same `name`. Non-errors are redacted like {@link redact}.
 * The input is never modified.
 *
 * @param error anything thrown
 * @param secrets exact secret values to remove (default {@link knownSecrets})
 */
export function redactError<T>(error: T, secrets: readonly string[] = knownSecrets()): T {
  return copyError(error, secrets, 0) as T;
}

/**
 * Whether `value` is an error, also one of another realm (a `DOMException`, or an error made by
 * Node's own `fetch` while a test runner gives each file its own globals).
 */
function isError(value: unknown): value is Error {
  if (value instanceof Error) return true;
  if (typeof value !== "object" || value === null) return false;
  if (types.isNativeError(value)) return true;
  for (let p: unknown = Object.getPrototypeOf(value); p !== null; p = Object.getPrototypeOf(p)) {
    const ctor = Object.getOwnPropertyDescriptor(p, "constructor")?.value as { name?: unknown } | undefined;
    if (ctor?.name === "Error") return true;
  }
  return false;
}

function copyError(error: unknown, secrets: readonly string[], depth: number): unknown {
  if (!isError(error)) return walk(error, secrets, depth);
  if (depth > MAX_DEPTH) return new Error("[…]");
  const clean = (v: unknown): string => redactString(String(v), secrets);
  let name: string;
  let message: string;
  try {
    name = String(error.name);
    message = String(error.message);
  } catch {
    name = "Error";
    message = "";
  }
  const copy = new Error(clean(message));
  let keepsPrototype = true;
  try {
    Object.setPrototypeOf(copy, Object.getPrototypeOf(error));
    // prototypes whose getters need internal state (DOMException) cannot describe the copy
    void copy.name;
    void copy.message;
  } catch {
    keepsPrototype = false;
    Object.setPrototypeOf(copy, Error.prototype);
  }
  const define = (key: PropertyKey, value: unknown, enumerable: boolean): void => {
    Object.defineProperty(copy, key, { value, enumerable, writable: true, configurable: true });
  };
  define("message", clean(message), false);
  if (!keepsPrototype || Object.hasOwn(error, "name")) define("name", name, false);
  for (const key of Reflect.ownKeys(error)) {
    if (key === "message" || key === "name") continue;
    const desc = Object.getOwnPropertyDescriptor(error, key);
    if (desc === undefined) continue;
    let value: unknown;
    try {
      value = "value" in desc ? desc.value : (error as unknown as Record<PropertyKey, unknown>)[key];
    } catch {
      continue;
    }
    const enumerable = desc.enumerable === true;
    if (key === "stack") define(key, typeof value === "string" ? clean(value) : value, enumerable);
    else if (key === "cause") define(key, copyError(value, secrets, depth + 1), enumerable);
    else if (typeof key === "string" && SECRET_FIELD.test(key) && value !== undefined && value !== null)
      define(key, REDACTED, enumerable);
    else define(key, redactValue(value, secrets, depth + 1), enumerable);
  }
  if (!Object.hasOwn(error, "stack")) define("stack", `${name}: ${clean(message)}`, false);
  return copy;
}

/** Redacts a property value of an error: nested errors keep their shape, headers stay headers. */
function redactValue(value: unknown, secrets: readonly string[], depth: number): unknown {
  if (isError(value)) return copyError(value, secrets, depth);
  if (typeof Headers === "function" && value instanceof Headers) {
    const out = new Headers();
    value.forEach((v, k) => {
      out.set(k, SECRET_FIELD.test(k) ? REDACTED : redactString(v, secrets));
    });
    return out;
  }
  if (Array.isArray(value) && value.some(isError)) {
    return value.map((v) => redactValue(v, secrets, depth + 1));
  }
  return walk(value, secrets, depth);
}

/** The values of {@link SECRET_ENV_VARS} currently set in `env` (see {@link knownSecrets} for all). */
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
 * @param secrets exact secret values to remove too (default {@link knownSecrets}: the provider
 *   key env vars and the registered secrets)
 */
export function redact<T>(value: T, secrets: readonly string[] = knownSecrets()): T {
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
  if (isError(value)) {
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
