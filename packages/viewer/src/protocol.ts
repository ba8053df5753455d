/**
 * What the viewer's server sends to its page (and what a static export embeds): the shapes of
 * its JSON answers and server-sent events. Shared by the server (`src/`) and the page
 * (`client/`); the page still checks every field it reads, because run logs are files anyone
 * (and any model) may have written.
 *
 * Routes (every request must carry the session token as `?token=`; anything else is 403):
 * - `GET /` — the page.
 * - `GET /assets/app.js`, `GET /assets/app.css` — the bundled page code and styles.
 * - `GET /api/runs` — {@link RunsResponse}.
 * - `GET /api/run?id=<run id>` — {@link RunResponse}.
 * - `GET /api/cassette?id=<run id>` — {@link CassetteResponse} (404 when the run has none).
 * - `GET /api/events?id=<run id>&from=<bytes>` — `text/event-stream` of {@link LogEvent}s: the
 *   records appended to the log after byte `from` (the `bytes` of the last answer), as they are
 *   written.
 *
 * @internal
 */

/** Version of this protocol; a static export records the one it was written with. */
export const VIEWER_PROTOCOL_VERSION = 1;

/** Something wrong with a log or cassette file, shown to the user instead of a blank page. */
export interface LogProblem {
  /**
   * What is wrong:
   * - `malformed`: a line is not JSON, or not an object with a known `type`;
   * - `truncated`: the last line is incomplete (a run still writing, or a process killed mid-write);
   * - `not-a-run-log`: the first record is not a `trace-ts/run-log` `run` record;
   * - `unknown-version`: written by a trace-ts whose run-log version this viewer does not read;
   * - `too-large`: the file or a line exceeds the viewer's size cap (the rest is not shown);
   * - `unreadable`: the file cannot be read (permissions, vanished).
   */
  readonly kind: "malformed" | "truncated" | "not-a-run-log" | "unknown-version" | "too-large" | "unreadable";
  /** 1-based line number, or null when the problem is the whole file. */
  readonly line: number | null;
  /** A sentence for the user. */
  readonly message: string;
}

/** A run log found under the viewer's root, as the runs list shows it. */
export interface RunSummary {
  /** Identifier of the run in this viewer: the log's path relative to the root, with `/`. */
  readonly id: string;
  /** Display name (the file name without `.jsonl`, with its folder when not at the root). */
  readonly name: string;
  /** `runId` of the `run` record, or null when unreadable. */
  readonly runId: string | null;
  /** Algorithm of the run, or null. */
  readonly algorithm: string | null;
  /** Optimizer of the run, or null. */
  readonly optimizer: string | null;
  /** Completed steps so far (the last `step` record's number; 0 when none). */
  readonly steps: number;
  /** Best score so far, or null. */
  readonly best: number | null;
  /** The `end` record's reason, or null while the run has no `end` record (still running, or killed). */
  readonly reason: string | null;
  /** When the log file last changed (ISO 8601). */
  readonly updated: string;
  /** Size of the log file in bytes. */
  readonly bytes: number;
  /** Whether a cassette was found for this run (see `CassetteResponse`). */
  readonly cassette: boolean;
  /** The first problem found when reading the file, or null. */
  readonly problem: LogProblem | null;
}

/** `GET /api/runs`. */
export interface RunsResponse {
  /** The root folder shown (absolute path, for the page's title). */
  readonly root: string;
  /** The runs, most recently updated first. */
  readonly runs: readonly RunSummary[];
}

/**
 * One run-log record as read from the file: a JSON object with a `type` of `run`, `eval`,
 * `step`, `resume` or `end`. The page must not trust any other field's type.
 */
export type LogRecordJson = { readonly type: string } & Readonly<Record<string, unknown>>;

/** `GET /api/run?id=…`: a whole run log. */
export interface RunResponse {
  /** The run's id in this viewer. */
  readonly id: string;
  /** Display name. */
  readonly name: string;
  /** The records that could be read, in file order. */
  readonly records: readonly LogRecordJson[];
  /** What could not be read (empty when the file is well formed). */
  readonly problems: readonly LogProblem[];
  /** Bytes of the file consumed (complete lines); the `from` of the events stream. */
  readonly bytes: number;
  /** Whether the log has an `end` record after its last `resume` (the run is over). */
  readonly complete: boolean;
  /** Whether a cassette was found for this run. */
  readonly cassette: boolean;
}

/** One recorded model call of a cassette, as the page shows it. */
export interface CassetteCall {
  /** Order in which the call arrived during the recording. */
  readonly seq: number;
  /** `provider:modelId`. */
  readonly model: string;
  /** The messages sent (role and text; other parts summarized as text by the server). */
  readonly messages: readonly { readonly role: string; readonly content: string }[];
  /** The reply's text, or null. */
  readonly response: string | null;
  /** Prompt tokens, or null. */
  readonly inputTokens: number | null;
  /** Generated tokens, or null. */
  readonly outputTokens: number | null;
  /** Why the model stopped, or null. */
  readonly finishReason: string | null;
}

/** `GET /api/cassette?id=…`: the cassette recorded with a run (every model call of the run). */
export interface CassetteResponse {
  /** The cassette file's path relative to the root, with `/`. */
  readonly file: string;
  /** The calls, in `seq` order. */
  readonly calls: readonly CassetteCall[];
  /** What could not be read. */
  readonly problems: readonly LogProblem[];
}

/**
 * An event of `GET /api/events` (the SSE `data:` is this object as JSON; the SSE event name is
 * its `kind`):
 * - `records`: records appended since the last event; `bytes` is the new offset;
 * - `reset`: the file got shorter (a resumed run cut back its interrupted step) or was replaced;
 *   the page fetches `/api/run` again;
 * - `problem`: a line appended could not be read.
 */
export type LogEvent =
  | {
      /** New records. */
      readonly kind: "records";
      /** The records, in file order. */
      readonly records: readonly LogRecordJson[];
      /** Bytes consumed so far. */
      readonly bytes: number;
      /** Whether the log is now complete (see `RunResponse.complete`). */
      readonly complete: boolean;
    }
  | {
      /** The file shrank or was replaced. */
      readonly kind: "reset";
    }
  | {
      /** A line could not be read. */
      readonly kind: "problem";
      /** What is wrong. */
      readonly problem: LogProblem;
    };

/**
 * The data a static export embeds (in `<script type="application/json" id="trace-viewer-data">`,
 * with `<` written as `\u003c`): the page then runs without a server.
 */
export interface StaticData {
  /** {@link VIEWER_PROTOCOL_VERSION}. */
  readonly protocol: number;
  /** When the export was written (ISO 8601). */
  readonly exportedAt: string;
  /** The runs list. */
  readonly runs: RunsResponse;
  /** Every run of the list, by id. */
  readonly run: Readonly<Record<string, RunResponse>>;
  /** The cassettes of runs that have one, by run id. */
  readonly cassette: Readonly<Record<string, CassetteResponse>>;
}
