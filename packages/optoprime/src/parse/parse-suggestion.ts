import { type JsonishValue, type ScanBudget, type ScanResult, scanValueAt } from "./jsonish.js";
import { type KeyResolver, keyResolver } from "./keys.js";

/** Options of {@link parseSuggestion}. */
export interface ParseSuggestionOptions {
  /** The variable keys the model was shown (e.g. `["int0", "__code0"]`). */
  readonly keys: readonly string[];
  /** Other spellings of keys (alias → key), e.g. node names such as `int:0`. */
  readonly aliases?: Readonly<Record<string, string>>;
  /**
   * Longest answer read, in characters (default 1,000,000). A longer answer is refused unread,
   * with a problem naming its length and this limit (OptoPrime re-asks, then reports the error).
   */
  readonly maxChars?: number;
}

/** Default of `ParseSuggestionOptions.maxChars`. */
export const DEFAULT_MAX_ANSWER_CHARS = 1_000_000;

/**
 * Work counter of the parser (internal, for tests and benchmarks): about one step per character
 * examined or parsing step, including the scanner's.
 */
export interface ParseMeter {
  /** Steps taken so far. */
  steps: number;
}

/** What {@link parseSuggestion} read from a model's answer. */
export interface ParsedSuggestion {
  /** The model's reasoning, when it gave one. */
  readonly reasoning?: string;
  /** The model's answer field, when it gave a non-empty one. */
  readonly answer?: string;
  /**
   * New values by key, as the model wrote them (not converted). Keys are mapped to the known
   * keys where they match one; keys that match none are kept as written, so the caller can
   * reject them with a reason.
   */
  readonly suggestion: Record<string, unknown>;
  /** The model said `TERMINATE` and suggested nothing. */
  readonly terminate: boolean;
  /** Why no suggestion could be read (empty when one was read, or when `terminate`). */
  readonly problems: string[];
  /** Repairs made to read the answer (fences, unescaped quotes, renamed keys, …); informative only. */
  readonly notes: string[];
}

const SUGGESTION_FIELDS = new Set(["suggestion", "suggestions", "suggestedchanges", "changes", "updates"]);
const REASONING_FIELDS = ["reasoning", "reason", "thoughts", "thinking", "analysis", "explanation"];
const META_FIELDS = new Set([...REASONING_FIELDS, "answer", "terminate", "confidence", "notes", "summary"]);
const PAIR_KEY_FIELDS = ["key", "variable", "name", "parameter", "var"];
const PAIR_VALUE_FIELDS = ["value", "newvalue", "new", "suggestion"];
const MAX_OBJECTS_TRIED = 200;
/** How many times an answer that is a JSON string is unwrapped. */
const MAX_UNWRAP = 2;
/**
 * Work units (about one per character examined) the scanner may spend on one answer of n
 * characters: `SCAN_WORK_PER_CHAR · n + SCAN_WORK_BASE`. Reading standard JSON costs about 2 units
 * a character; the rest is room for the lenient re-reading of strings with unescaped quotes.
 */
const SCAN_WORK_PER_CHAR = 8;
const SCAN_WORK_BASE = 50_000;
const TERMINATE = /\bTERMINATE\b/;

type JsonObject = { [key: string]: JsonishValue };

function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Lower case without spaces, `_`, `-`: how field names are compared. */
function fieldForm(name: string): string {
  return name.toLowerCase().replace(/[\s_\-"'`]/g, "");
}

function field(obj: JsonObject, names: readonly string[]): JsonishValue | undefined {
  for (const [k, v] of Object.entries(obj)) if (names.includes(fieldForm(k))) return v;
  return undefined;
}

function asText(v: JsonishValue | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** One JSON object of the answer, read as a possible reply. */
interface Reading {
  readonly entries: readonly (readonly [string, JsonishValue])[];
  readonly hasSuggestionField: boolean;
  readonly known: number;
  readonly reasoning?: string;
  readonly answer?: string;
  readonly terminateFlag: boolean;
  readonly problem?: string;
  readonly notes: readonly string[];
}

/**
 * Reads a model's answer to an OptoPrime prompt: `{"reasoning": …, "answer": …, "suggestion":
 * {key: value}}`. Pure and tolerant; it never evaluates anything.
 *
 * It finds the JSON among prose and markdown fences, reads JSON-like text (single quotes, raw line
 * breaks, trailing commas, comments, unescaped quotes in code — see `scanValueAt`), picks the
 * right object when there are several (one with a `suggestion` field wins, else one whose keys are
 * variables; the last of equals, as models put their final answer last), accepts a flat object
 * without `suggestion`, and maps keys written differently (`int:0`, `"int0 "`, `` `INT0` ``) to
 * the known keys. `terminate` is true only when the answer contains the word `TERMINATE` and
 * suggests nothing. An empty or unreadable answer gives `problems`, phrased so they can be sent
 * back to the model.
 *
 * Work is linear in the answer's length: every scan shares one work allowance proportional to it
 * (see `scanValueAt`), and an answer longer than `options.maxChars` (default 1,000,000
 * characters) is refused unread.
 *
 * @param text the model's answer
 * @param options the known keys (and aliases such as node names), the longest answer read
 */
export function parseSuggestion(text: string, options: ParseSuggestionOptions): ParsedSuggestion {
  return readSuggestion(text, options, { steps: 0 });
}

/**
 * `parseSuggestion` with a work counter (internal: tests assert the steps grow linearly).
 *
 * @param text the model's answer
 * @param options the known keys, aliases and longest answer read
 * @param meter receives the steps taken, the scanner's included
 */
export function readSuggestion(
  text: string,
  options: ParseSuggestionOptions,
  meter: ParseMeter,
): ParsedSuggestion {
  const source = typeof text === "string" ? text : String(text ?? "");
  const max = options.maxChars ?? DEFAULT_MAX_ANSWER_CHARS;
  if (!(max >= 0)) throw new RangeError(`parseSuggestion: maxChars must be ≥ 0, got ${max}`);
  if (source.length > max) {
    const problem =
      `the answer is ${source.length.toLocaleString("en-US")} characters long, over the limit of ` +
      `${max.toLocaleString("en-US")} characters; keep the reasoning short`;
    return result({}, false, [problem], []);
  }
  const budget: ScanBudget = { remaining: SCAN_WORK_PER_CHAR * source.length + SCAN_WORK_BASE };
  const initial = budget.remaining;
  try {
    return readAnswer(source, options, keyResolver(options.keys, options.aliases), budget, meter, 0);
  } finally {
    meter.steps += initial - budget.remaining;
  }
}

function readAnswer(
  source: string,
  options: ParseSuggestionOptions,
  resolver: KeyResolver,
  budget: ScanBudget,
  meter: ParseMeter,
  unwrapped: number,
): ParsedSuggestion {
  const keys = options.keys;
  meter.steps += source.length;
  if (source.trim() === "") return result({}, false, ["the answer was empty"], []);

  const objects = findObjects(source, budget, meter);
  // a double-encoded reply is read once more (twice at most: deeper encodings are not replies)
  if (objects.length === 0 && unwrapped < MAX_UNWRAP) {
    const content = unwrapJsonString(source, meter);
    if (content !== undefined) {
      const inner = readAnswer(content, options, resolver, budget, meter, unwrapped + 1);
      return { ...inner, notes: ["the whole answer was a JSON string; read its content", ...inner.notes] };
    }
  }
  const readings = objects.map((o) => read(o, resolver, budget, meter));
  let best: Reading | undefined;
  let bestScore = 0;
  for (const r of readings) {
    const score =
      (r.hasSuggestionField ? 4 : 0) + (r.known > 0 ? 2 : 0) + (r.reasoning !== undefined ? 1 : 0);
    if (score >= bestScore && (r.hasSuggestionField || r.known > 0)) {
      best = r;
      bestScore = score;
    }
  }
  const notes: string[] = [];
  meter.steps += 2 * source.length; // the two searches below
  if (source.includes("```")) notes.push("markdown code fences were ignored");
  if (objects.length > 1 && best !== undefined)
    notes.push(`the answer held ${objects.length} JSON objects; used object ${readings.indexOf(best) + 1}`);
  const wantsTerminate = TERMINATE.test(source) || (best?.terminateFlag ?? false);

  if (best === undefined) {
    const fallback = readings.at(-1);
    const problems =
      objects.length === 0
        ? [
            'no JSON object was found in the answer; reply with one JSON object {"reasoning": …, "answer": …, "suggestion": {…}}',
          ]
        : [
            `the JSON object has no "suggestion" field and none of its keys is a variable (${listKeys(keys)})`,
          ];
    const terminate = wantsTerminate || (fallback?.terminateFlag ?? false);
    return result({}, terminate, terminate ? [] : problems, notes, fallback?.reasoning, fallback?.answer);
  }

  notes.push(...best.notes);
  const suggestion: [string, unknown][] = [];
  const seen = new Map<string, string>();
  for (const [written, value] of best.entries) {
    meter.steps += 4 * written.length + 1;
    const key = resolver.resolve(written) ?? written.trim();
    if (key !== written) notes.push(`key "${written}" was read as "${key}"`);
    const earlier = seen.get(key);
    if (earlier !== undefined)
      notes.push(`"${key}" was given twice ("${earlier}" and "${written}"); used the last`);
    seen.set(key, written);
    suggestion.push([key, value]);
  }
  const values = Object.fromEntries(suggestion);
  const empty = Object.keys(values).length === 0;
  const terminate = empty && wantsTerminate;
  const problems = best.problem !== undefined && empty && !terminate ? [best.problem] : [];
  return result(values, terminate, problems, notes, best.reasoning, best.answer);
}

function result(
  suggestion: Record<string, unknown>,
  terminate: boolean,
  problems: string[],
  notes: string[],
  reasoning?: string,
  answer?: string,
): ParsedSuggestion {
  return {
    ...(reasoning !== undefined ? { reasoning } : {}),
    ...(answer !== undefined && answer.trim() !== "" ? { answer } : {}),
    suggestion,
    terminate,
    problems,
    notes: [...new Set(notes)],
  };
}

function listKeys(keys: readonly string[]): string {
  const shown = keys.slice(0, 20).join(", ");
  return keys.length > 20 ? `${shown}, …` : shown || "none";
}

/** Every top-level JSON object in the text, in order (the scans share `budget`). */
function findObjects(text: string, budget: ScanBudget, meter: ParseMeter): ScanResult[] {
  const found: ScanResult[] = [];
  let from = 0;
  let tried = 0;
  while (tried < MAX_OBJECTS_TRIED && budget.remaining > 0) {
    const at = text.indexOf("{", from);
    meter.steps += (at < 0 ? text.length : at) - from + 1;
    if (at < 0) break;
    tried++;
    const r = scanValueAt(text, at, { budget });
    if (r !== undefined && isObject(r.value)) {
      found.push(r);
      from = r.end;
    } else from = at + 1;
  }
  return found;
}

/** The content of an answer that is a single JSON string (a double-encoded reply). */
function unwrapJsonString(text: string, meter: ParseMeter): string | undefined {
  const t = text.trim();
  if (!t.startsWith('"')) return undefined;
  meter.steps += 2 * t.length;
  try {
    const v: unknown = JSON.parse(t);
    return typeof v === "string" && v.includes("{") ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Finds the object holding a suggestion field: the object itself or one nested up to 3 levels. */
function findHolder(obj: JsonObject): { holder: JsonObject; field: string } | undefined {
  let level: JsonObject[] = [obj];
  for (let depth = 0; depth < 4 && level.length > 0; depth++) {
    const next: JsonObject[] = [];
    for (const o of level) {
      for (const [k, v] of Object.entries(o)) {
        if (SUGGESTION_FIELDS.has(fieldForm(k))) return { holder: o, field: k };
        if (isObject(v)) next.push(v);
      }
    }
    level = next;
  }
  return undefined;
}

function read(found: ScanResult, resolver: KeyResolver, budget: ScanBudget, meter: ParseMeter): Reading {
  const obj = found.value as JsonObject;
  // the field and key lookups below examine each key a few times
  meter.steps += 8 * (found.end - found.start);
  const located = findHolder(obj);
  const context = located?.holder ?? obj;
  const reasoning = asText(field(context, REASONING_FIELDS) ?? field(obj, REASONING_FIELDS));
  const answer = asText(field(context, ["answer"]) ?? field(obj, ["answer"]));
  const terminateFlag = field(context, ["terminate"]) === true;
  const base = { reasoning, answer, terminateFlag, notes: found.notes };
  if (located === undefined) {
    const entries = Object.entries(obj).filter(
      ([k]) => !META_FIELDS.has(fieldForm(k)) && resolver.resolve(k) !== undefined,
    );
    const notes =
      entries.length > 0
        ? [...found.notes, 'the answer had no "suggestion" field; read the variables at its top level']
        : found.notes;
    return { ...base, entries, hasSuggestionField: false, known: entries.length, notes };
  }
  const { entries, problem } = suggestionEntries(located.holder[located.field], budget);
  const known = entries.filter(([k]) => resolver.resolve(k) !== undefined).length;
  return { ...base, entries, hasSuggestionField: true, known, ...(problem !== undefined ? { problem } : {}) };
}

/** The key/value pairs of a suggestion field, whatever shape the model gave it. */
function suggestionEntries(
  raw: JsonishValue | undefined,
  budget: ScanBudget,
): {
  entries: (readonly [string, JsonishValue])[];
  problem?: string;
} {
  if (raw === undefined || raw === null) return { entries: [] };
  if (isObject(raw)) return { entries: Object.entries(raw) };
  if (typeof raw === "string") {
    const t = raw.trim();
    if (t === "" || TERMINATE.test(t) || /^(none|n\/a|no changes?)\.?$/i.test(t)) return { entries: [] };
    const at = t.indexOf("{");
    budget.remaining -= t.length;
    const inner = at >= 0 && budget.remaining > 0 ? scanValueAt(t, at, { budget }) : undefined;
    if (inner !== undefined && isObject(inner.value)) return { entries: Object.entries(inner.value) };
    return {
      entries: [],
      problem: '"suggestion" must be an object mapping variable keys to new values, but it was text',
    };
  }
  if (Array.isArray(raw)) {
    const entries: (readonly [string, JsonishValue])[] = [];
    for (const item of raw) {
      if (!isObject(item)) continue;
      const key = field(item, PAIR_KEY_FIELDS);
      const value = field(item, PAIR_VALUE_FIELDS);
      if (typeof key === "string" && value !== undefined) entries.push([key, value]);
      else if (Object.keys(item).length === 1) entries.push(Object.entries(item)[0]!);
    }
    if (entries.length > 0 || raw.length === 0) return { entries };
    return {
      entries: [],
      problem: '"suggestion" must be an object mapping variable keys to new values, but it was a list',
    };
  }
  return {
    entries: [],
    problem: `"suggestion" must be an object mapping variable keys to new values, but it was ${JSON.stringify(raw)}`,
  };
}
