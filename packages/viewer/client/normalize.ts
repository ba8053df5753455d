/**
 * Turns the server's (or an export's) JSON into the protocol's shapes, checking every field: the
 * records themselves stay untyped (`LogRecordJson`) and are read with the accessors of checks.ts.
 */
import type {
  CassetteCall,
  CassetteResponse,
  LogEvent,
  LogProblem,
  LogRecordJson,
  RunResponse,
  RunSummary,
  RunsResponse,
} from "../src/protocol.js";
import { arr, bool, num, obj, str } from "./checks.js";

const KINDS = new Set<LogProblem["kind"]>([
  "malformed",
  "truncated",
  "not-a-run-log",
  "unknown-version",
  "too-large",
  "unreadable",
]);

/** A problem, or undefined when `x` is not one. */
export function toProblem(x: unknown): LogProblem | undefined {
  const o = obj(x);
  if (o === undefined) return undefined;
  const kind = str(o.kind);
  const known = kind !== undefined && KINDS.has(kind as LogProblem["kind"]);
  return {
    kind: known ? (kind as LogProblem["kind"]) : "malformed",
    line: num(o.line) ?? null,
    message: str(o.message) ?? "unreadable problem report",
  };
}

/** The problems of a list, skipping entries that are not problems. */
export function toProblems(x: unknown): LogProblem[] {
  return arr(x).flatMap((p) => toProblem(p) ?? []);
}

/** The records of a list that are objects with a string `type`. */
export function toRecords(x: unknown): LogRecordJson[] {
  return arr(x).flatMap((r) => {
    const o = obj(r);
    return o !== undefined && typeof o.type === "string" ? [o as LogRecordJson] : [];
  });
}

/** A runs-list entry, or undefined when it has no id. */
export function toSummary(x: unknown): RunSummary | undefined {
  const o = obj(x);
  const id = str(o?.id);
  if (o === undefined || id === undefined) return undefined;
  return {
    id,
    name: str(o.name) ?? id,
    runId: str(o.runId) ?? null,
    algorithm: str(o.algorithm) ?? null,
    optimizer: str(o.optimizer) ?? null,
    steps: num(o.steps) ?? 0,
    best: num(o.best) ?? null,
    reason: str(o.reason) ?? null,
    updated: str(o.updated) ?? "",
    bytes: num(o.bytes) ?? 0,
    cassette: bool(o.cassette) ?? false,
    problem: toProblem(o.problem) ?? null,
  };
}

/** `GET /api/runs`. */
export function toRuns(x: unknown): RunsResponse {
  const o = obj(x);
  return { root: str(o?.root) ?? "", runs: arr(o?.runs).flatMap((r) => toSummary(r) ?? []) };
}

/** `GET /api/run`. */
export function toRun(x: unknown, id: string): RunResponse {
  const o = obj(x);
  return {
    id: str(o?.id) ?? id,
    name: str(o?.name) ?? id,
    records: toRecords(o?.records),
    problems: toProblems(o?.problems),
    bytes: num(o?.bytes) ?? 0,
    complete: bool(o?.complete) ?? true,
    cassette: bool(o?.cassette) ?? false,
  };
}

function toCall(x: unknown): CassetteCall | undefined {
  const o = obj(x);
  if (o === undefined) return undefined;
  return {
    seq: num(o.seq) ?? 0,
    model: str(o.model) ?? "?",
    messages: arr(o.messages).flatMap((m) => {
      const mo = obj(m);
      return mo === undefined ? [] : [{ role: str(mo.role) ?? "?", content: str(mo.content) ?? "" }];
    }),
    response: str(o.response) ?? null,
    inputTokens: num(o.inputTokens) ?? null,
    outputTokens: num(o.outputTokens) ?? null,
    finishReason: str(o.finishReason) ?? null,
  };
}

/** `GET /api/cassette`. */
export function toCassette(x: unknown): CassetteResponse {
  const o = obj(x);
  return {
    file: str(o?.file) ?? "",
    calls: arr(o?.calls).flatMap((c) => toCall(c) ?? []),
    problems: toProblems(o?.problems),
  };
}

/** An event of `GET /api/events`, or undefined when unreadable. */
export function toEvent(kind: string, x: unknown): LogEvent | undefined {
  const o = obj(x);
  if (o === undefined) return undefined;
  if (kind === "records") {
    return {
      kind,
      records: toRecords(o.records),
      bytes: num(o.bytes) ?? 0,
      complete: bool(o.complete) ?? false,
    };
  }
  if (kind === "reset") return { kind };
  if (kind === "problem") {
    const problem = toProblem(o.problem);
    return problem === undefined ? undefined : { kind, problem };
  }
  return undefined;
}

/** A problem as one line of text for the user. */
export function describeProblem(p: LogProblem): string {
  return `${p.line === null ? "file" : `line ${p.line}`}: ${p.message} (${p.kind})`;
}
