/**
 * The `trace-ts` command, as a function: parses the arguments, then starts the viewer or writes
 * an export. `cli.ts` runs it with the process's arguments, output and signals.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { TraceError } from "@trace-ts/core";
import { ViewerPathError } from "./errors.js";
import { exportReport } from "./export/export.js";
import { startViewer } from "./server/viewer.js";

/** Where the command writes and how it waits. */
export interface CliIo {
  /** Writes a line to standard output. */
  readonly out: (line: string) => void;
  /** Writes a line to standard error. */
  readonly err: (line: string) => void;
  /** Resolves when the viewer should stop (default: SIGINT or SIGTERM). */
  readonly waitForStop?: () => Promise<void>;
  /** Folder holding the built page (tests; default `dist/client/` of this package). */
  readonly assetsDir?: string;
}

/** The command's usage text. */
export const USAGE = `Usage: trace-ts view <run-log-or-folder...> [options]

Shows trace-ts run logs in the browser: score curves, each step's feedback, reasoning, diffs and
optimizer calls, traced graphs, live while a run writes its log.

Options:
  --port N          port to listen on (default: any free port)
  --host H          address to listen on (default 127.0.0.1)
  --allow-remote    allow a --host that is not a loopback address
  --cassette FILE   the cassette of the single run log given
  --export FILE     write a self-contained HTML report instead of serving
  --force           with --export, replace FILE if it exists
  --no-follow       do not stream new records while a run writes its log
  --help            show this text
  --version         show the version`;

/** The package's version, from its package.json. */
export function packageVersion(): string {
  const text = readFileSync(new URL("../package.json", import.meta.url), "utf8");
  const version = (JSON.parse(text) as { version?: unknown }).version;
  return typeof version === "string" ? version : "unknown";
}

function waitForSignal(): Promise<void> {
  return new Promise((resolvePromise) => {
    const done = (): void => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolvePromise();
    };
    process.on("SIGINT", done);
    process.on("SIGTERM", done);
  });
}

/**
 * Runs the command.
 *
 * @param argv the arguments after the program name (`view …`)
 * @param io output and the wait for a stop
 * @returns the exit code: 0 done, 1 failed, 2 usage error
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.err(`trace-ts: ${error instanceof Error ? error.message : String(error)}`);
    io.err(USAGE);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    io.out(USAGE);
    return 0;
  }
  if (values.version === true) {
    io.out(packageVersion());
    return 0;
  }
  const [command, ...paths] = positionals;
  if (command === undefined) {
    io.err("trace-ts: missing command.");
    io.err(USAGE);
    return 2;
  }
  if (command !== "view") {
    io.err(`trace-ts: unknown command "${command}".`);
    io.err(USAGE);
    return 2;
  }
  if (paths.length === 0) {
    io.err("trace-ts view: give a run log (.jsonl) or a folder of run logs, e.g. `trace-ts view runs/`.");
    io.err(USAGE);
    return 2;
  }
  let port: number | undefined;
  if (values.port !== undefined) {
    if (!/^\d{1,5}$/.test(values.port) || Number(values.port) > 65535) {
      io.err(`trace-ts view: --port must be a number from 0 to 65535, not "${values.port}".`);
      io.err(USAGE);
      return 2;
    }
    port = Number(values.port);
  }
  if (values.force === true && values.export === undefined) {
    io.err("trace-ts view: --force only applies with --export.");
    io.err(USAGE);
    return 2;
  }
  try {
    if (values.export !== undefined) {
      const result = await exportReport({
        paths,
        out: values.export,
        cassette: values.cassette,
        overwrite: values.force === true,
        assetsDir: io.assetsDir,
      });
      io.out(
        `wrote ${result.out} (${result.runs} run${result.runs === 1 ? "" : "s"}, ${result.bytes} bytes)`,
      );
      return 0;
    }
    const viewer = await startViewer({
      paths,
      host: values.host,
      port,
      allowRemote: values["allow-remote"] === true,
      cassette: values.cassette,
      follow: values["no-follow"] !== true,
      assetsDir: io.assetsDir,
      warn: io.err,
    });
    io.out(`trace-ts viewer: ${viewer.url}`);
    io.out("(Ctrl+C to stop)");
    await (io.waitForStop ?? waitForSignal)();
    await viewer.close();
    return 0;
  } catch (error) {
    if (error instanceof ViewerPathError) {
      io.err(`trace-ts view: ${error.message}`);
      io.err(USAGE);
      return 2;
    }
    if (error instanceof TraceError) {
      io.err(`trace-ts view: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "allow-remote": { type: "boolean" },
      cassette: { type: "string" },
      export: { type: "string" },
      force: { type: "boolean" },
      "no-follow": { type: "boolean" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean" },
    },
  });
}
