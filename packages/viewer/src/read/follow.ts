/**
 * Follows a run log as it is written: each poll returns what was appended since the last one,
 * or a reset when the file shrank or was replaced.
 */
import { open } from "node:fs/promises";
import type { LogEvent, LogProblem } from "../protocol.js";
import { type ReadLimits, readLimits } from "./limits.js";
import { LogLineParser } from "./lines.js";
import { unreadableProblem } from "./run-log.js";

const NEWLINE = 0x0a;

/**
 * Follows one run log from a byte offset. Create it with {@link LogFollower.start}, then call
 * {@link LogFollower.poll} as often as wanted.
 */
export class LogFollower {
  /** Bytes consumed so far. */
  get offset(): number {
    return this.bytes;
  }
  /** Whether following has ended (after a reset or a problem that stops reading). */
  get done(): boolean {
    return this.ended;
  }
  private bytes: number;
  private ended = false;
  private readonly parser: LogLineParser;
  private readonly caps: ReadLimits;

  private constructor(
    private readonly path: string,
    private ino: number,
    offset: number,
    parser: LogLineParser,
    caps: ReadLimits,
  ) {
    this.bytes = offset;
    this.parser = parser;
    this.caps = caps;
  }

  /**
   * Starts following `path` after byte `from` (the `bytes` of an earlier read). When `from` is
   * past the end of the file or not at a line start, the first poll answers a reset.
   *
   * @param path the log file
   * @param from bytes already seen
   * @param limits size caps
   */
  static async start(path: string, from: number, limits?: Partial<ReadLimits>): Promise<LogFollower> {
    const caps = readLimits(limits);
    const parser = new LogLineParser(caps.maxLineBytes);
    const follower = new LogFollower(path, -1, from, parser, caps);
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(path, "r");
    } catch {
      return follower;
    }
    try {
      const stat = await handle.stat();
      if (stat.size < from || from > caps.maxFileBytes) return follower;
      // Replays the prefix's state (line count, header, completeness) without keeping its records.
      const prefix = await readExactly(handle, 0, from);
      const parsed = parser.parse(prefix);
      if (parsed.consumed !== from && parser.stopped === null) return follower;
      follower.ino = stat.ino;
      if (parser.stopped !== null) follower.ended = true;
      return follower;
    } catch {
      return follower;
    } finally {
      await handle.close();
    }
  }

  /**
   * Reads what was appended since the last poll.
   *
   * @returns the events to send: none when nothing changed
   */
  async poll(): Promise<LogEvent[]> {
    if (this.ended) return [];
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(this.path, "r");
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      // A file replaced by rename may be missing for an instant; a vanished one is a reset.
      if (code === "ENOENT") return this.reset();
      return this.fail(unreadableProblem(error));
    }
    try {
      const stat = await handle.stat();
      if (this.ino === -1 || stat.ino !== this.ino || stat.size < this.bytes) return this.reset();
      if (stat.size === this.bytes) return [];
      if (stat.size > this.caps.maxFileBytes) {
        return this.fail({
          kind: "too-large",
          line: null,
          message: `the file grew past the viewer's cap (${this.caps.maxFileBytes} bytes); later records are not shown.`,
        });
      }
      const chunk = await readExactly(handle, this.bytes, stat.size - this.bytes);
      const last = chunk.lastIndexOf(NEWLINE);
      if (last === -1 && chunk.length <= this.caps.maxLineBytes) return [];
      const parsed = this.parser.parse(chunk);
      this.bytes += parsed.consumed;
      const events: LogEvent[] = parsed.problems.map((problem) => ({ kind: "problem", problem }));
      if (parsed.consumed > 0) {
        events.unshift({
          kind: "records",
          records: parsed.records,
          bytes: this.bytes,
          complete: this.parser.complete,
        });
      }
      if (this.parser.stopped !== null) this.ended = true;
      return events;
    } catch (error) {
      return this.fail(unreadableProblem(error));
    } finally {
      await handle.close();
    }
  }

  private reset(): LogEvent[] {
    this.ended = true;
    return [{ kind: "reset" }];
  }

  private fail(problem: LogProblem): LogEvent[] {
    this.ended = true;
    return [{ kind: "problem", problem }];
  }
}

/** Reads `length` bytes at `position` (fewer when the file is shorter). */
async function readExactly(
  handle: Awaited<ReturnType<typeof open>>,
  position: number,
  length: number,
): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}
