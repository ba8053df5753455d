/**
 * Approval of proposed changes. Values an optimizer suggests come from a language model, so they
 * are untrusted: a prompt injection in the data can make the model suggest a system prompt with
 * an attacker's instruction, or hostile code for a trainable function. An approval hook sees each
 * change before it is applied and can veto it.
 */
import { codeIsolationOf } from "../bundle/code-slot.js";
import type { IsolationLevel } from "../code/runner.js";
import type { ParameterNode } from "../graph/node.js";

/** One change an optimizer is about to apply, as an approval hook sees it. */
export interface ProposedChange {
  /** The parameter that would change. */
  readonly parameter: ParameterNode;
  /** The parameter's key in the problem the model saw (e.g. `prompt0`). */
  readonly key: string;
  /** The parameter's node name (e.g. `prompt:0`). */
  readonly name: string;
  /** Its current value. */
  readonly before: unknown;
  /** The proposed value (already converted to the parameter's type and validated). */
  readonly after: unknown;
  /** The model's reasoning for the proposal, when it gave one. */
  readonly reasoning: string | undefined;
  /** Whether the parameter is the source code of a function (`info.code`). */
  readonly isCode: boolean;
  /**
   * For code: the isolation tier the suggested code would run in (undefined for other parameters,
   * and for code whose tier is unknown).
   */
  readonly isolation: IsolationLevel | undefined;
}

/**
 * What an approval hook answers: `true` or `{ approved: true }` to let the change through, `false`
 * or `{ approved: false, reason }` to veto it (the reason goes into the report).
 */
export type ApprovalDecision =
  | boolean
  | {
      /** true lets the change through, false vetoes it. */
      readonly approved: boolean;
      /** Why the change was vetoed, reported after `VETO_REASON_PREFIX`; ignored when approved. */
      readonly reason?: string;
    };

/**
 * Decides whether one proposed change may be applied. It may be async (e.g. ask a person or a
 * scanner). A hook that throws, or answers something other than an `ApprovalDecision`, vetoes the
 * change.
 */
export type ApprovalHook = (change: ProposedChange) => ApprovalDecision | Promise<ApprovalDecision>;

/** Start of the `reason` of every change refused by an approval hook. */
export const VETO_REASON_PREFIX = "vetoed by the approval hook";

/** @internal Outcome of asking the hooks about one change: approved, or vetoed with the reason to report. */
export type ApprovalOutcome =
  | { readonly approved: true }
  | { readonly approved: false; readonly reason: string };

/**
 * @internal Builds the `ProposedChange` a hook sees for a new value of `parameter`.
 *
 * @param key the parameter's key in the problem (default: its node key)
 * @param reasoning the model's reasoning for the proposal
 */
export function proposedChange(
  parameter: ParameterNode,
  after: unknown,
  key: string = parameter.key,
  reasoning?: string,
): ProposedChange {
  const isCode = parameter.info.code === true;
  return {
    parameter,
    key,
    name: parameter.name,
    before: parameter._data,
    after,
    reasoning,
    isCode,
    isolation: isCode ? codeIsolationOf(parameter) : undefined,
  };
}

/**
 * @internal Asks every hook, in order, about one change; the first veto wins. A hook that throws or gives an
 * unreadable answer vetoes (nothing here throws).
 */
export async function askApproval(
  hooks: readonly ApprovalHook[],
  change: ProposedChange,
): Promise<ApprovalOutcome> {
  for (const hook of hooks) {
    let decision: unknown;
    try {
      decision = await hook(change);
    } catch (error) {
      return { approved: false, reason: `${VETO_REASON_PREFIX}: it threw ${describeThrown(error)}` };
    }
    const read = readDecision(decision);
    if (read.approved) continue;
    return {
      approved: false,
      reason: read.reason === undefined ? VETO_REASON_PREFIX : `${VETO_REASON_PREFIX}: ${read.reason}`,
    };
  }
  return { approved: true };
}

function readDecision(decision: unknown): { approved: boolean; reason?: string } {
  if (decision === true) return { approved: true };
  if (decision === false) return { approved: false };
  if (decision !== null && typeof decision === "object" && "approved" in decision) {
    const { approved, reason } = decision as { approved: unknown; reason?: unknown };
    if (approved === true) return { approved: true };
    if (approved === false) {
      return typeof reason === "string" && reason.trim() !== ""
        ? { approved: false, reason }
        : { approved: false };
    }
  }
  return {
    approved: false,
    reason: `it answered ${describeValue(decision)}, not true, false or { approved, reason }`,
  };
}

function describeThrown(error: unknown): string {
  try {
    if (error instanceof Error) return `${error.name}: ${error.message}`;
    return describeValue(error);
  } catch {
    return "an unreadable error";
  }
}

function describeValue(value: unknown): string {
  try {
    return (JSON.stringify(value) ?? String(value)).slice(0, 200);
  } catch {
    return typeof value;
  }
}

/**
 * A hook that approves a change only when every one of `hooks` does; they are asked in order and
 * the first veto (with its reason) wins.
 *
 * @throws TypeError when one of `hooks` is not a function
 */
export function allOf(...hooks: readonly ApprovalHook[]): ApprovalHook {
  hooks.forEach((hook, i) => {
    if (typeof hook !== "function") throw new TypeError(`allOf: hook ${i + 1} is not a function`);
  });
  return async (change) => {
    for (const hook of hooks) {
      const read = readDecision(await hook(change));
      if (!read.approved) return read.reason === undefined ? false : { approved: false, reason: read.reason };
    }
    return true;
  };
}

/**
 * A policy that vetoes any change to a code parameter whose suggested code would not run in the
 * `strict` tier (a separate engine with memory and time limits). Changes to other parameters pass.
 * Pair it with `isolation: "strict"` on the bundle, the optimizer or the trainer (or
 * `TRACE_ISOLATION=strict`) so that code changes can be accepted.
 */
export function requireStrictForCode(): ApprovalHook {
  return (change) => {
    if (!change.isCode || change.isolation === "strict") return true;
    const tier = change.isolation === undefined ? "an unknown tier" : `the "${change.isolation}" tier`;
    return {
      approved: false,
      reason:
        `${change.name} is code that would run in ${tier}; suggested code must run in "strict" ` +
        `isolation: set isolation: "strict" on the bundle or the optimizer (or trainer), or TRACE_ISOLATION=strict`,
    };
  };
}

/**
 * A policy that vetoes every change to a code parameter, for runs that may only tune prompts and
 * other values.
 */
export function rejectCodeChanges(): ApprovalHook {
  return (change) =>
    change.isCode
      ? { approved: false, reason: `${change.name} is code, and this run may not change code` }
      : true;
}
