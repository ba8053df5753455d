/**
 * Reading a score and feedback out of an LLM judge's reply. Models wrap JSON in prose or fences,
 * write the score as text (`"7"`, `"7/10"`, `"70%"`), or skip JSON altogether (`Score: 7/10`);
 * all of these are accepted. A score outside the scale is refused rather than clamped.
 */

/** The scale a judge scores on (inclusive). */
export interface JudgeScale {
  /** Lowest score. */
  readonly min: number;
  /** Highest score. */
  readonly max: number;
}

/** Result of `parseJudgeResponse`. */
export type JudgeParseResult =
  | {
      readonly ok: true;
      /** The score as the judge gave it, on its scale. */
      readonly raw: number;
      /** The score mapped to [0, 1]: `(raw - min) / (max - min)`. */
      readonly score: number;
      /** The judge's explanation (the whole reply when it gave no separate one). */
      readonly feedback: string;
    }
  | {
      readonly ok: false;
      /** Why no score could be read. */
      readonly problem: string;
    };

const SCORE_KEYS = ["score", "rating", "grade", "mark", "points"];
const FEEDBACK_KEYS = [
  "feedback",
  "reason",
  "reasoning",
  "explanation",
  "rationale",
  "comment",
  "comments",
  "critique",
];
const NUMBER = String.raw`[-+]?(?:\d+(?:\.\d+)?|\.\d+)`;

/**
 * Reads a judge's reply.
 *
 * Accepted forms, in order of preference: a JSON object (anywhere in the text, fenced or not,
 * trailing commas tolerated) with a `score` (or `rating`, `grade`, …) that is a number or text like
 * `"7"`, `"7/10"`, `"7 out of 10"`, `"70%"`, and a `feedback` (or `reason`, `explanation`, …);
 * otherwise prose such as `Score: 7/10` or `Rating - 7`. A fraction `a/b` is rescaled to the
 * judge's scale, a percentage maps `0%…100%` onto it.
 *
 * @param text the judge's reply
 * @param scale the scale the judge was asked to use
 */
export function parseJudgeResponse(text: string, scale: JudgeScale): JudgeParseResult {
  if (typeof text !== "string" || text.trim() === "") return { ok: false, problem: "the reply is empty" };
  let problem: string | undefined;
  for (const object of jsonObjects(text)) {
    const scoreKey = findKey(object, SCORE_KEYS);
    if (scoreKey === undefined) continue;
    const raw = readScore(object[scoreKey], scale);
    if (typeof raw === "string") {
      problem = raw;
      continue;
    }
    const feedbackKey = findKey(object, FEEDBACK_KEYS);
    const fb = feedbackKey === undefined ? undefined : object[feedbackKey];
    const feedback = typeof fb === "string" ? fb.trim() : fb === undefined ? text.trim() : JSON.stringify(fb);
    return finish(raw, feedback, scale);
  }
  if (problem !== undefined) return { ok: false, problem };
  // prose: "Score: 7/10", "rating = 0.7", "**Grade**: 8 out of 10"
  const prose = new RegExp(
    String.raw`\b(?:${SCORE_KEYS.join("|")})\b[*_\s]*(?:is|of|[:=\-–])?[*_\s]*(${NUMBER})\s*(%|(?:/|out of)\s*(${NUMBER}))?`,
    "i",
  ).exec(text);
  if (prose) {
    const raw = fromParts(Number(prose[1]), prose[2], prose[3], scale);
    if (typeof raw === "string") return { ok: false, problem: raw };
    return finish(raw, text.trim(), scale);
  }
  const fraction = new RegExp(String.raw`(${NUMBER})\s*(?:/|out of)\s*(${NUMBER})`, "i").exec(text);
  if (fraction) {
    const raw = fromParts(Number(fraction[1]), "/", fraction[2], scale);
    if (typeof raw === "string") return { ok: false, problem: raw };
    return finish(raw, text.trim(), scale);
  }
  return { ok: false, problem: 'no score found (expected JSON like {"score": 7, "feedback": "..."})' };
}

function finish(raw: number, feedback: string, scale: JudgeScale): JudgeParseResult {
  return { ok: true, raw, score: (raw - scale.min) / (scale.max - scale.min), feedback };
}

/** A score value from JSON: a number, or text holding a number, fraction or percentage. */
function readScore(value: unknown, scale: JudgeScale): number | string {
  if (typeof value === "number") return inScale(value, scale);
  if (typeof value === "string") {
    const m = new RegExp(String.raw`^\s*(${NUMBER})\s*(%|(?:/|out of)\s*(${NUMBER}))?\s*$`, "i").exec(value);
    if (!m) return `the score ${JSON.stringify(value)} is not a number`;
    return fromParts(Number(m[1]), m[2], m[3], scale);
  }
  return `the score is ${value === null ? "null" : typeof value}, not a number`;
}

function fromParts(
  value: number,
  suffix: string | undefined,
  denominator: string | undefined,
  scale: JudgeScale,
): number | string {
  if (suffix === "%") return inScale(scale.min + (value / 100) * (scale.max - scale.min), scale);
  if (denominator !== undefined) {
    const d = Number(denominator);
    if (!(d > 0)) return `the score ${value}/${denominator} has no usable denominator`;
    if (d === scale.max && scale.min === 0) return inScale(value, scale);
    return inScale(scale.min + (value / d) * (scale.max - scale.min), scale);
  }
  return inScale(value, scale);
}

function inScale(value: number, scale: JudgeScale): number | string {
  if (!Number.isFinite(value)) return `the score ${value} is not a finite number`;
  const eps = 1e-9 * Math.max(1, Math.abs(scale.max - scale.min));
  if (value < scale.min - eps || value > scale.max + eps) {
    return `the score ${value} is outside the scale ${scale.min}–${scale.max}`;
  }
  return Math.min(scale.max, Math.max(scale.min, value));
}

function findKey(object: Record<string, unknown>, names: readonly string[]): string | undefined {
  const keys = Object.keys(object);
  for (const name of names) {
    const hit = keys.find((k) => k.trim().toLowerCase() === name);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

/** JSON objects found in the text: each balanced `{…}` (strings respected) that parses. */
function* jsonObjects(text: string): Generator<Record<string, unknown>> {
  for (let start = text.indexOf("{"); start !== -1; start = text.indexOf("{", start + 1)) {
    const end = matchingBrace(text, start);
    if (end === -1) continue;
    const candidate = text.slice(start, end + 1);
    for (const attempt of [candidate, candidate.replace(/,(\s*[}\]])/g, "$1")]) {
      try {
        const value: unknown = JSON.parse(attempt);
        if (value !== null && typeof value === "object" && !Array.isArray(value)) {
          yield value as Record<string, unknown>;
          break;
        }
      } catch {
        // not JSON; try the next form or the next brace
      }
    }
  }
}

function matchingBrace(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{") depth++;
    else if (c === "}") {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}
