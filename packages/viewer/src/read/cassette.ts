/**
 * Reads a cassette (the model calls recorded with a run) into what the page shows: role and text
 * of each message, the reply, tokens. Every string is capped; other parts are summarized.
 */
import { readFile, stat } from "node:fs/promises";
import { CASSETTE_FORMAT, CASSETTE_VERSION } from "@trace-ts/core/llm";
import type { CassetteCall, CassetteResponse, LogProblem } from "../protocol.js";
import { type ReadLimits, readLimits } from "./limits.js";
import { unreadableProblem } from "./run-log.js";

/** Longest text kept of one message or reply, in characters. */
export const MAX_CASSETTE_TEXT = 100_000;
/** Most calls read from one cassette. */
export const MAX_CASSETTE_CALLS = 20_000;

/**
 * The cassette recorded next to a run log: `<dir>/<name>.cassette.jsonl` for `<dir>/<name>.jsonl`.
 *
 * @param logPath the run log
 */
export function pairedCassettePath(logPath: string): string {
  return `${logPath.replace(/\.jsonl$/, "")}.cassette.jsonl`;
}

/**
 * `text` cut to {@link MAX_CASSETTE_TEXT} characters, with a marker saying how much was left out.
 *
 * @param text any text
 */
export function capText(text: string, max = MAX_CASSETTE_TEXT): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}\n… [${text.length - max} more characters not shown]`;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function numberOrNull(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/** A short text for a message part that is not text. */
function partText(part: unknown): string {
  if (!isObject(part)) return "[part]";
  if (part.type === "text" && typeof part.text === "string") return part.text;
  const type = typeof part.type === "string" ? part.type.replace(/[^\w-]/g, "").slice(0, 32) : "part";
  return `[${type || "part"}]`;
}

function toolCallsText(calls: unknown): string {
  if (!Array.isArray(calls)) return "";
  return calls
    .map((call) => {
      const name = Array.isArray(call) ? call[1] : isObject(call) ? call.name : undefined;
      return `[tool call: ${typeof name === "string" ? name.slice(0, 64) : "?"}]`;
    })
    .join("\n");
}

/** The messages of a recorded request, as role and text. */
function messagesOf(request: Json): { role: string; content: string }[] {
  const messages = Array.isArray(request.messages) ? request.messages : [];
  const v2 = isObject(request.v2) && Array.isArray(request.v2.messages) ? request.v2.messages : [];
  return messages.map((message: unknown, i: number) => {
    const pair = Array.isArray(message) ? message : [];
    const role = typeof pair[0] === "string" ? pair[0].slice(0, 64) : "?";
    let content = typeof pair[1] === "string" ? pair[1] : "";
    const extras: unknown = v2[i];
    if (isObject(extras)) {
      if (Array.isArray(extras.parts)) content = extras.parts.map(partText).join("\n");
      const calls = toolCallsText(extras.toolCalls);
      if (calls !== "") content = content === "" ? calls : `${content}\n${calls}`;
    }
    return { role, content: capText(content) };
  });
}

/** A cassette line as a call, or null when it is not an entry. */
function callOf(entry: unknown): CassetteCall | null {
  if (!isObject(entry) || typeof entry.seq !== "number" || !isObject(entry.request)) return null;
  const result = isObject(entry.result) ? entry.result : {};
  const usage = isObject(result.usage) ? result.usage : {};
  let response = typeof result.text === "string" ? result.text : null;
  const calls = toolCallsText(result.toolCalls);
  if (calls !== "") response = response === null || response === "" ? calls : `${response}\n${calls}`;
  return {
    seq: entry.seq,
    model: typeof entry.model === "string" ? entry.model.slice(0, 256) : "?",
    messages: messagesOf(entry.request),
    response: response === null ? null : capText(response),
    inputTokens: numberOrNull(usage.inputTokens),
    outputTokens: numberOrNull(usage.outputTokens),
    finishReason: typeof result.finishReason === "string" ? result.finishReason.slice(0, 64) : null,
  };
}

/**
 * Reads a cassette file.
 *
 * @param path the file
 * @param file its name as the page shows it (relative to the root, with `/`)
 * @param limits size caps (the file cap applies)
 */
export async function readCassette(
  path: string,
  file: string,
  limits?: Partial<ReadLimits>,
): Promise<CassetteResponse> {
  const caps = readLimits(limits);
  const problems: LogProblem[] = [];
  let text: string;
  try {
    const info = await stat(path);
    if (info.size > caps.maxFileBytes) {
      return {
        file,
        calls: [],
        problems: [
          {
            kind: "too-large",
            line: null,
            message: `the cassette has ${info.size} bytes, more than the viewer reads (${caps.maxFileBytes}).`,
          },
        ],
      };
    }
    text = await readFile(path, "utf8");
  } catch (error) {
    return { file, calls: [], problems: [unreadableProblem(error)] };
  }
  const calls: CassetteCall[] = [];
  let start = 0;
  let line = 0;
  while (start < text.length) {
    const end = text.indexOf("\n", start);
    line++;
    if (end === -1) {
      problems.push({
        kind: "truncated",
        line,
        message: `line ${line} is incomplete: the recording was cut off.`,
      });
      break;
    }
    const lineText = text.slice(start, end);
    start = end + 1;
    let value: unknown;
    try {
      value = JSON.parse(lineText);
    } catch {
      value = undefined;
    }
    if (line === 1) {
      const problem = headerProblem(value);
      if (problem !== null) return { file, calls: [], problems: [problem] };
      continue;
    }
    if (lineText.trim() === "") continue;
    if (calls.length >= MAX_CASSETTE_CALLS) {
      problems.push({
        kind: "too-large",
        line,
        message: `the cassette holds more than ${MAX_CASSETTE_CALLS} calls; the rest are not shown.`,
      });
      break;
    }
    const call = callOf(value);
    if (call === null) {
      problems.push({
        kind: "malformed",
        line,
        message: `line ${line} is not a recorded call; it is skipped.`,
      });
    } else {
      calls.push(call);
    }
  }
  if (line === 0) problems.push({ kind: "malformed", line: null, message: "the cassette is empty." });
  calls.sort((a, b) => a.seq - b.seq);
  return { file, calls, problems };
}

function headerProblem(value: unknown): LogProblem | null {
  if (!isObject(value) || value.format !== CASSETTE_FORMAT) {
    return {
      kind: "malformed",
      line: 1,
      message: `the first line is not a trace-ts cassette header (format "${CASSETTE_FORMAT}").`,
    };
  }
  if (value.version !== CASSETTE_VERSION) {
    return {
      kind: "unknown-version",
      line: 1,
      message: `the cassette has version ${JSON.stringify(value.version) ?? "none"}; this viewer reads version ${CASSETTE_VERSION}.`,
    };
  }
  return null;
}
