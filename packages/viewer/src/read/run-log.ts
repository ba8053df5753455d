/**
 * Reads a whole run log, tolerantly: what can be read is returned with the problems met.
 */
import { open } from "node:fs/promises";
import type { LogProblem, LogRecordJson } from "../protocol.js";
import { type ReadLimits, readLimits } from "./limits.js";
import { LogLineParser } from "./lines.js";

/** A run log as read. */
export interface RunLogRead {
  /** The records read, in file order (none when the file is not a readable run log). */
  readonly records: readonly LogRecordJson[];
  /** What could not be read. */
  readonly problems: readonly LogProblem[];
  /** Bytes consumed (complete lines): where following continues. */
  readonly bytes: number;
  /** Whether the log has an `end` record after its last `resume`. */
  readonly complete: boolean;
  /** Size of the file when read. */
  readonly size: number;
  /** When the file last changed. */
  readonly mtime: Date;
  /** The file's inode, to notice a replaced file. */
  readonly ino: number;
}

/** The problem for a file that cannot be read. */
export function unreadableProblem(error: unknown): LogProblem {
  const code = (error as { code?: unknown } | null)?.code;
  return {
    kind: "unreadable",
    line: null,
    message: `the file cannot be read${typeof code === "string" ? ` (${code})` : ""}.`,
  };
}

/**
 * Reads a run log.
 *
 * @param path the file
 * @param limits size caps (defaults: 256 MiB per file, 16 MiB per line)
 * @param upTo read only the first `upTo` bytes (for following from an offset)
 */
export async function readRunLog(
  path: string,
  limits?: Partial<ReadLimits>,
  upTo?: number,
): Promise<RunLogRead> {
  const caps = readLimits(limits);
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "r");
  } catch (error) {
    return failed(error);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return failed({ code: "EISDIR" });
    const problems: LogProblem[] = [];
    let length = Math.min(stat.size, upTo ?? stat.size);
    if (length > caps.maxFileBytes) {
      length = caps.maxFileBytes;
      problems.push({
        kind: "too-large",
        line: null,
        message: `the file has ${stat.size} bytes, more than the viewer reads (${caps.maxFileBytes}); only the start is shown.`,
      });
    }
    const buffer = Buffer.alloc(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await handle.read(buffer, filled, length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    const parser = new LogLineParser(caps.maxLineBytes);
    const parsed = parser.parse(buffer.subarray(0, filled));
    problems.unshift(...parsed.problems);
    if (parser.stopped === null && parsed.consumed < filled && upTo === undefined) {
      problems.push({
        kind: "truncated",
        line: parser.lines + 1,
        message: `line ${parser.lines + 1} is incomplete: the run is still writing it, or was stopped mid-write.`,
      });
    }
    if (parser.lines === 0 && parser.stopped === null && parsed.consumed === filled && upTo === undefined) {
      problems.push({ kind: "not-a-run-log", line: null, message: "the file is empty." });
    }
    const fatal = parser.stopped?.kind === "not-a-run-log" || parser.stopped?.kind === "unknown-version";
    return {
      records: fatal ? [] : parsed.records,
      problems,
      bytes: parsed.consumed,
      complete: parser.complete,
      size: stat.size,
      mtime: stat.mtime,
      ino: stat.ino,
    };
  } catch (error) {
    return failed(error);
  } finally {
    await handle.close();
  }
}

function failed(error: unknown): RunLogRead {
  return {
    records: [],
    problems: [unreadableProblem(error)],
    bytes: 0,
    complete: false,
    size: 0,
    mtime: new Date(0),
    ino: 0,
  };
}
