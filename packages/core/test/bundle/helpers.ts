import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "@jest/globals";
import { type ExceptionNode, ExecutionError } from "@trace-ts/core";

/**
 * Returns a maker of temporary directories (`<tmp>/<prefix>XXXXXX`) that are removed after each
 * test of the calling file. Call it once at the top of a test file.
 */
export function tempDirsRemovedAfterEach(): (prefix: string) => string {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return (prefix) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
}

/** The ExceptionNode of the ExecutionError `fn` throws (fails the test when it does not throw one). */
export function exceptionOf(fn: () => unknown): ExceptionNode {
  try {
    fn();
  } catch (error) {
    if (error instanceof ExecutionError) return error.exceptionNode;
    throw error;
  }
  throw new Error("expected an ExecutionError, but nothing was thrown");
}

/** The ExceptionNode of the ExecutionError a promise rejects with. */
export async function asyncExceptionOf(promise: Promise<unknown>): Promise<ExceptionNode> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ExecutionError) return error.exceptionNode;
    throw error;
  }
  throw new Error("expected an ExecutionError, but the promise resolved");
}

/** Input names of a node's operation. */
export function inputNames(n: { inputs: Readonly<Record<string, unknown>> }): string[] {
  return Object.keys(n.inputs);
}

/** The value each named input of a node holds. */
export function inputValues(n: {
  inputs: Readonly<Record<string, { _data: unknown }>>;
}): Record<string, unknown> {
  return Object.fromEntries(Object.entries(n.inputs).map(([k, v]) => [k, v._data]));
}
