import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BundleOptions, bundle, ExecutionError } from "@trace-ts/core";

/** A trainable one-argument function whose code is replaced by `source` (a suggestion). */
export function suggested(source: string, options: BundleOptions = {}) {
  const f = bundle(
    function fmt(answer: unknown): unknown {
      return answer;
    },
    { trainable: true, ...options },
  );
  f.setSource(source);
  return f;
}

/** The error an `ExecutionError` carries, or the value when the call succeeded. */
export function outcome(run: () => { data: unknown }): { value?: unknown; error?: unknown } {
  try {
    return { value: run().data };
  } catch (error) {
    if (error instanceof ExecutionError) return { error: error.exceptionNode.error };
    return { error };
  }
}

/** Same for an async call. */
export async function outcomeAsync(
  run: () => Promise<{ data: unknown }>,
): Promise<{ value?: unknown; error?: unknown }> {
  try {
    return { value: (await run()).data };
  } catch (error) {
    if (error instanceof ExecutionError) return { error: error.exceptionNode.error };
    return { error };
  }
}

/** A fresh temporary folder and a function that removes it. */
export function tempFolder(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Code that, if it ever obtains a host `Function`, uses it to set `process.env[marker]`: the
 * marker staying unset proves the attempt failed.
 */
export function payload(fnExpr: string, marker: string): string {
  return `try { (${fnExpr})("return process")().env[${JSON.stringify(marker)}] = "pwned"; } catch (e) {}`;
}
