/**
 * Line parsing of run logs: turns complete lines into records and problems, keeping the state a
 * reader needs across chunks (line number, header check, whether the run is complete).
 */
import type { LogProblem, LogRecordJson } from "../protocol.js";

/** The `format` of a run log's first record. */
export const RUN_LOG_FORMAT = "trace-ts/run-log";
/** The run-log version this viewer reads. */
export const RUN_LOG_VERSION = 1;
const RECORD_TYPES = new Set(["run", "eval", "step", "resume", "end"]);
const NEWLINE = 0x0a;

/** What a chunk of lines produced. */
export interface ParsedChunk {
  /** Records read, in file order. */
  readonly records: LogRecordJson[];
  /** Problems met. */
  readonly problems: LogProblem[];
  /** Bytes of the chunk consumed (complete lines, up to a fatal problem). */
  readonly consumed: number;
}

/** Whether `value` is a run-log record: an object with a known `type`. */
export function isRecord(value: unknown): value is LogRecordJson {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { type?: unknown }).type === "string" &&
    RECORD_TYPES.has((value as { type: string }).type)
  );
}

/**
 * Reads the lines of a run log chunk by chunk. A fatal problem (not a run log, unknown version,
 * a line over the cap) stops it: later chunks produce nothing.
 */
export class LogLineParser {
  /** Lines consumed so far. */
  lines = 0;
  /** Whether the last `end` record comes after the last `resume` record. */
  complete = false;
  /** Set once a problem stopped reading. */
  stopped: LogProblem | null = null;
  private readonly maxLineBytes: number;

  /** @param maxLineBytes longest line accepted */
  constructor(maxLineBytes: number) {
    this.maxLineBytes = maxLineBytes;
  }

  /**
   * Parses the complete lines of `chunk` (which starts at a line start). An incomplete last line
   * is left unconsumed, unless it is already longer than the line cap.
   *
   * @param chunk bytes of the file
   */
  parse(chunk: Buffer): ParsedChunk {
    const records: LogRecordJson[] = [];
    const problems: LogProblem[] = [];
    let start = 0;
    while (this.stopped === null && start < chunk.length) {
      const end = chunk.indexOf(NEWLINE, start);
      const lineEnd = end === -1 ? chunk.length : end;
      if (lineEnd - start > this.maxLineBytes) {
        this.stop(problems, {
          kind: "too-large",
          line: this.lines + 1,
          message: `line ${this.lines + 1} is longer than ${this.maxLineBytes} bytes; it and the rest of the file are not shown.`,
        });
        break;
      }
      if (end === -1) break;
      this.lines++;
      this.line(chunk.toString("utf8", start, lineEnd), records, problems);
      start = end + 1;
    }
    return { records, problems, consumed: start };
  }

  private stop(problems: LogProblem[], problem: LogProblem): void {
    this.stopped = problem;
    problems.push(problem);
  }

  private line(text: string, records: LogRecordJson[], problems: LogProblem[]): void {
    const n = this.lines;
    if (n > 1 && text.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    if (n === 1) {
      this.header(value, records, problems);
      return;
    }
    if (!isRecord(value)) {
      problems.push({
        kind: "malformed",
        line: n,
        message:
          value === undefined
            ? `line ${n} is not valid JSON; it is skipped.`
            : `line ${n} is not a run-log record (an object with type run, eval, step, resume or end); it is skipped.`,
      });
      return;
    }
    if (value.type === "end") this.complete = true;
    else if (value.type === "resume") this.complete = false;
    records.push(value);
  }

  private header(value: unknown, records: LogRecordJson[], problems: LogProblem[]): void {
    if (!isRecord(value) || value.type !== "run" || value.format !== RUN_LOG_FORMAT) {
      this.stop(problems, {
        kind: "not-a-run-log",
        line: 1,
        message: `the first line is not a trace-ts run-log record (type "run", format "${RUN_LOG_FORMAT}").`,
      });
      return;
    }
    if (value.version !== RUN_LOG_VERSION) {
      this.stop(problems, {
        kind: "unknown-version",
        line: 1,
        message: `the log has version ${JSON.stringify(value.version) ?? "none"}; this viewer reads version ${RUN_LOG_VERSION}. Update @trace-ts/viewer.`,
      });
      return;
    }
    records.push(value);
  }
}
