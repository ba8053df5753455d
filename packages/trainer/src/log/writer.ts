/**
 * Appends run-log records to a JSONL file. Each record is one `write` of one line, so a process
 * killed mid-run leaves at most a partial last line; the checkpoint remembers how many bytes
 * belonged to completed steps and `resume` cuts the file back to that length before appending.
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  statSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import type { WriteFence } from "../checkpoint/fence.js";
import { CheckpointExistsError, CheckpointMismatchError } from "../errors.js";
import type { RunLogRecord } from "./records.js";

/** Serializes a record as one JSON line (bigints as text, functions dropped). */
export function recordLine(record: RunLogRecord): string {
  return `${JSON.stringify(record, (_key, value: unknown) => (typeof value === "bigint" ? String(value) : value))}\n`;
}

/**
 * Writes run-log records; with no path it only counts them (records still reach `onRecord`).
 * @internal Created by the trainer; read logs with `readRunLog`.
 */
export class RunLogWriter {
  /** The file, or undefined when records are not written anywhere. */
  readonly path: string | undefined;
  #fd: number | undefined;
  #bytes: number;
  #records: number;
  readonly #onRecord: ((record: RunLogRecord) => void) | undefined;
  readonly #fence: WriteFence | undefined;

  private constructor(
    path: string | undefined,
    fd: number | undefined,
    bytes: number,
    records: number,
    onRecord: ((record: RunLogRecord) => void) | undefined,
    fence: WriteFence | undefined,
  ) {
    this.path = path;
    this.#fd = fd;
    this.#bytes = bytes;
    this.#records = records;
    this.#onRecord = onRecord;
    this.#fence = fence;
  }

  /**
   * Starts a new log. A non-empty file already there is refused unless `overwrite`.
   * @param path the file (undefined: no file)
   * @param options overwrite, a hook for every record and the fence asked before every write
   */
  static create(
    path: string | undefined,
    options: {
      readonly overwrite?: boolean;
      readonly onRecord?: (record: RunLogRecord) => void;
      readonly fence?: WriteFence;
    } = {},
  ): RunLogWriter {
    if (path === undefined) return new RunLogWriter(undefined, undefined, 0, 0, options.onRecord, undefined);
    if (!options.overwrite && existsSync(path) && statSync(path).size > 0) {
      throw new CheckpointExistsError(path, "run log");
    }
    mkdirSync(dirname(path), { recursive: true });
    options.fence?.check("log", path);
    const fd = openSync(path, "w");
    return new RunLogWriter(path, fd, 0, 0, options.onRecord, options.fence);
  }

  /**
   * Checks, without changing anything, that the log of a run being resumed exists, belongs to
   * `runId` and holds at least `bytes` bytes; throws `CheckpointMismatchError` otherwise.
   *
   * @param path the file
   * @param bytes length recorded in the checkpoint
   * @param runId the run's id
   * @param checkpointPath the checkpoint, for error messages
   */
  static verify(path: string, bytes: number, runId: string, checkpointPath: string): void {
    if (!existsSync(path)) {
      throw new CheckpointMismatchError(
        checkpointPath,
        `its run log ${path} is missing (it had ${bytes} bytes)`,
      );
    }
    const fd = openSync(path, "r");
    try {
      const size = fstatSync(fd).size;
      if (size < bytes) {
        throw new CheckpointMismatchError(
          checkpointPath,
          `the run log ${path} has ${size} bytes but the checkpoint recorded ${bytes}; it was cut or replaced`,
        );
      }
      let owner: unknown;
      try {
        owner = (JSON.parse(readFirstLine(fd)) as { runId?: unknown }).runId;
      } catch {
        owner = undefined;
      }
      if (owner !== runId) {
        throw new CheckpointMismatchError(
          checkpointPath,
          `the run log ${path} belongs to run ${String(owner)}, not to this checkpoint's run ${runId}`,
        );
      }
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Reopens the log of a run being resumed: checks it (see `verify`), cuts it back to `bytes`
   * (dropping records of the interrupted step and any partial line), and appends from there.
   *
   * @param path the file (undefined: no file)
   * @param bytes length recorded in the checkpoint
   * @param records number of records in those bytes
   * @param runId the run's id
   * @param checkpointPath the checkpoint, for error messages
   * @param onRecord hook for every record
   * @param fence asked before every write
   */
  static reopen(
    path: string | undefined,
    bytes: number,
    records: number,
    runId: string,
    checkpointPath: string,
    onRecord?: (record: RunLogRecord) => void,
    fence?: WriteFence,
  ): RunLogWriter {
    if (path === undefined)
      return new RunLogWriter(undefined, undefined, bytes, records, onRecord, undefined);
    RunLogWriter.verify(path, bytes, runId, checkpointPath);
    const fd = openSync(path, "r+");
    try {
      fence?.check("log", path);
      ftruncateSync(fd, bytes);
      fsyncSync(fd);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    return new RunLogWriter(path, fd, bytes, records, onRecord, fence);
  }

  /** Bytes written to the file so far (including what the resumed run kept). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Records written so far. */
  get records(): number {
    return this.#records;
  }

  /**
   * Appends one record (one line, one write).
   * @param record the record
   */
  write(record: RunLogRecord): void {
    if (this.#fd !== undefined) {
      const buffer = Buffer.from(recordLine(record), "utf8");
      this.#fence?.check("log", this.path!);
      let offset = 0;
      while (offset < buffer.length)
        offset += writeSync(this.#fd, buffer, offset, buffer.length - offset, this.#bytes + offset);
      this.#bytes += buffer.length;
    }
    this.#records++;
    this.#onRecord?.(record);
  }

  /** @internal Where the log is now, to cut it back to with `truncate`. */
  mark(): { readonly bytes: number; readonly records: number } {
    return { bytes: this.#bytes, records: this.#records };
  }

  /**
   * @internal Cuts the log back to a `mark()` (the records of a step that is taken again).
   * @param mark what `mark()` returned
   */
  truncate(mark: { readonly bytes: number; readonly records: number }): void {
    if (mark.bytes > this.#bytes) throw new RangeError("RunLogWriter.truncate: the mark is ahead of the log");
    if (this.#fd !== undefined) {
      this.#fence?.check("log", this.path!);
      ftruncateSync(this.#fd, mark.bytes);
    }
    this.#bytes = mark.bytes;
    this.#records = mark.records;
  }

  /** Flushes the file to disk (before a checkpoint refers to its length). */
  sync(): void {
    if (this.#fd !== undefined) fsyncSync(this.#fd);
  }

  /** Flushes and closes the file. */
  close(): void {
    if (this.#fd !== undefined) {
      fsyncSync(this.#fd);
      closeSync(this.#fd);
      this.#fd = undefined;
    }
  }
}

function readFirstLine(fd: number): string {
  const chunks: Buffer[] = [];
  const chunk = Buffer.alloc(64 * 1024);
  let position = 0;
  for (;;) {
    const n = readSync(fd, chunk, 0, chunk.length, position);
    if (n === 0) break;
    const part = chunk.subarray(0, n);
    const newline = part.indexOf(10);
    if (newline !== -1) {
      chunks.push(Buffer.from(part.subarray(0, newline)));
      break;
    }
    chunks.push(Buffer.from(part));
    position += n;
  }
  return Buffer.concat(chunks).toString("utf8");
}
