/**
 * Parameter snapshots: the values of a list of parameters, as plain JSON, to compare candidates,
 * undo changes and write checkpoints.
 */
import type { AppliedChange, ParameterNode } from "@trace-ts/core";
import { sameValue } from "@trace-ts/core/optimizer";
import { NotSerializableError } from "./errors.js";

/** Values of a list of parameters, in the list's order (JSON values). */
export type Snapshot = readonly unknown[];

/**
 * A deep copy of a value as plain JSON, or `NotSerializableError` naming `what`.
 * @param value the value
 * @param what what it is, for the error (e.g. `parameter prompt:0`)
 */
export function jsonCopy(value: unknown, what: string): unknown {
  const problem = jsonProblem(value, new Set());
  if (problem !== undefined) throw new NotSerializableError(what, problem);
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

function jsonProblem(value: unknown, seen: Set<object>): string | undefined {
  switch (typeof value) {
    case "string":
    case "boolean":
      return undefined;
    case "number":
      return Number.isFinite(value) ? undefined : `the number ${value} has no JSON form`;
    case "undefined":
      return undefined; // stored as null
    case "object": {
      if (value === null) return undefined;
      if (seen.has(value)) return "it contains a cycle";
      seen.add(value);
      try {
        if (Array.isArray(value)) {
          for (const item of value) {
            const p = jsonProblem(item, seen);
            if (p !== undefined) return p;
          }
          return undefined;
        }
        const proto = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) {
          return `it holds an instance of ${(value as object).constructor?.name ?? "a class"}`;
        }
        for (const item of Object.values(value)) {
          const p = jsonProblem(item, seen);
          if (p !== undefined) return p;
        }
        return undefined;
      } finally {
        seen.delete(value);
      }
    }
    default:
      return `it holds a ${typeof value}`;
  }
}

/**
 * The current values of `parameters` (deep JSON copies).
 * @param parameters the parameters
 */
export function takeSnapshot(parameters: readonly ParameterNode[]): Snapshot {
  return parameters.map((p) => jsonCopy(p.peek(), `the value of parameter ${p.name}`));
}

/**
 * The current values of `parameters` by name (deep JSON copies), as sent to an executor.
 * @param parameters the parameters
 */
export function valuesByName(parameters: readonly ParameterNode[]): { name: string; value: unknown }[] {
  const values = takeSnapshot(parameters);
  return parameters.map((p, i) => ({ name: p.name, value: values[i] }));
}

/**
 * Sets each parameter to its value in `snapshot` (parameters already equal are left alone, so
 * their version and compiled code stay).
 * @param parameters the parameters, in the snapshot's order
 * @param snapshot the values
 */
export function restoreSnapshot(parameters: readonly ParameterNode[], snapshot: Snapshot): void {
  if (snapshot.length !== parameters.length) {
    throw new RangeError(`snapshot has ${snapshot.length} values for ${parameters.length} parameters`);
  }
  for (let i = 0; i < parameters.length; i++) {
    const p = parameters[i]!;
    const v = snapshot[i];
    if (!sameValue(p.peek(), v))
      p.data = v === null || typeof v !== "object" ? v : JSON.parse(JSON.stringify(v));
  }
}

/** Whether two snapshots hold the same values. */
export function sameSnapshot(a: Snapshot, b: Snapshot): boolean {
  return a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
}

/**
 * The changes between two snapshots, as `AppliedChange`s (for diffs and logs).
 * @param parameters the parameters, in the snapshots' order
 * @param before the earlier values
 * @param after the later values
 */
export function snapshotChanges(
  parameters: readonly ParameterNode[],
  before: Snapshot,
  after: Snapshot,
): AppliedChange[] {
  const changes: AppliedChange[] = [];
  for (let i = 0; i < parameters.length; i++) {
    if (sameValue(before[i], after[i])) continue;
    const p = parameters[i]!;
    changes.push({ key: p.key, name: p.name, parameter: p, before: before[i], after: after[i] });
  }
  return changes;
}
