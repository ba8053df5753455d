import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const register = fileURLToPath(new URL("../../../scripts/ts-loader/register.mjs", import.meta.url));

/** What a finished example process printed and how it ended. */
export interface ExampleRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

// variables of the test's own environment an example must not inherit: it gets only what a test gives
const CLEARED = ["NODE_OPTIONS", "TRACE_MODEL", "TRACE_BASE_URL", "TRACE_OPTIMIZER", "OPENAI_API_KEY"];

/**
 * Runs an example script (`examples/src/<file>`) from its TypeScript source through the
 * repository's loader (no build), with the test's environment minus model and key variables, plus
 * `env`.
 */
export function runExample(
  file: string,
  args: readonly string[],
  env: Record<string, string>,
): Promise<ExampleRun> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !CLEARED.includes(k)));
  const script = fileURLToPath(new URL(`../../src/${file}`, import.meta.url));
  const child = spawn(process.execPath, ["--import", register, script, ...args], {
    env: { ...inherited, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => {
    stdout += c;
  });
  child.stderr.setEncoding("utf8").on("data", (c: string) => {
    stderr += c;
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
