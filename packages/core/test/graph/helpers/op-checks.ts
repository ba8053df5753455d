import { expect } from "@jest/globals";
import { ExecutionError, type MessageNode, type Node } from "@trace-ts/core";

/**
 * Checks an operation's result: its op name, value (deep equality), the names of its recorded
 * inputs (in order), and that its parents are exactly those inputs.
 */
export function expectOp(out: MessageNode, op: string, value: unknown, inputs: string[]): void {
  expect(out.op).toBe(op);
  expect(out.data).toEqual(value);
  expect(Object.keys(out.inputs)).toEqual(inputs);
  expect(new Set(out.parents)).toEqual(new Set<Node>(Object.values(out.inputs)));
}

/**
 * The `ExecutionError` that `build` throws, checked to carry an exception node of operation `op`
 * (a string, or a pattern when several operations may fail). Fails the test when nothing is thrown.
 */
export function opFailure(build: () => unknown, op: string | RegExp): ExecutionError {
  let caught: unknown;
  try {
    build();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ExecutionError);
  const error = caught as ExecutionError;
  if (typeof op === "string") expect(error.exceptionNode.op).toBe(op);
  else expect(error.exceptionNode.op).toMatch(op);
  return error;
}
