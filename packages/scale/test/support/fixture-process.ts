/**
 * Test fixtures (`test/fixtures/*.ts`) run in child processes from their TypeScript source, through
 * the repository's loader, with stdout and stderr collected. Every process started is remembered,
 * so `killFixtures()` in an `afterEach`/`afterAll` leaves none behind.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const LOADER = fileURLToPath(new URL("../../../../scripts/ts-loader/register.mjs", import.meta.url));

/** A fixture running in a child process. */
export interface FixtureProcess {
  /** The child process. */
  readonly child: ChildProcess;
  /** What it printed on stdout so far. */
  stdout(): string;
  /**
   * Its stdout once it exits with status 0 or is SIGKILLed; rejects with its stderr for any other
   * end.
   */
  readonly finished: Promise<string>;
  /** Resolves once its stdout contains `text`; rejects when it exits first. */
  waitFor(text: string): Promise<void>;
  /** SIGKILLs it (a no-op when it has ended) and waits until it is gone. */
  kill(): Promise<void>;
}

const started: ChildProcess[] = [];

/**
 * Starts `test/fixtures/<file>` with `args` (NODE_OPTIONS cleared: jest's flags are not the
 * fixture's).
 */
export function startFixture(file: string, args: readonly string[]): FixtureProcess {
  const script = fileURLToPath(new URL(`../fixtures/${file}`, import.meta.url));
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, ["--import", LOADER, script, ...args], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push(child);
  let out = "";
  let err = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    err += chunk;
  });
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal }));
  });
  const finished = ended.then(({ code, signal }) => {
    if (code === 0 || signal === "SIGKILL") return out;
    throw new Error(`${file} exited with ${code ?? signal}:\n${err}`);
  });
  // a test that never awaits `finished` must not see an unhandled rejection
  finished.catch(() => {});
  return {
    child,
    stdout: () => out,
    finished,
    waitFor: (text) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (out.includes(text)) resolve();
        };
        child.stdout?.on("data", check);
        check();
        void ended.then(({ code, signal }) =>
          reject(new Error(`${file} ended (${code ?? signal}) before printing "${text}":\n${out}${err}`)),
        );
      }),
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await ended.catch(() => {});
    },
  };
}

/** Runs a fixture to its end and returns its stdout. */
export function runFixture(file: string, args: readonly string[]): Promise<string> {
  return startFixture(file, args).finished;
}

/** SIGKILLs every fixture process still running. */
export function killFixtures(): void {
  for (const child of started.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}
