import { AsyncLocalStorage } from "node:async_hooks";
import { NameScope } from "./naming.js";

/**
 * Receives every read of a node's `data` made while it is installed. `bundle` installs one while
 * a function body runs, to find nodes the body reads without having received them as inputs.
 */
export interface DataReadObserver {
  /** Called with each node whose `data` is read. */
  onRead(node: object): void;
  /** Called with each node created while the observer is installed (optional). */
  onCreate?(node: object): void;
}

/**
 * The tracing state of the current async context. It lives in `AsyncLocalStorage`, so concurrent
 * async tasks never see each other's state and nested scopes restore the outer state on exit.
 */
export interface TraceState {
  /** Whether operations record parents (false inside `noTrace`). */
  readonly tracing: boolean;
  /** The name counters new nodes draw from. */
  readonly names: NameScope;
  /** Observer of node data reads (set while a bundled function body runs). */
  readonly readObserver: DataReadObserver | undefined;
  /** Free-form slots for other subsystems (e.g. bundle recursion guards), keyed by symbol. */
  readonly slots: ReadonlyMap<symbol, unknown>;
}

const storage = new AsyncLocalStorage<TraceState>();
const rootNames = new NameScope();
const rootState: TraceState = { tracing: true, names: rootNames, readObserver: undefined, slots: new Map() };

/** The tracing state in effect here (the process-wide default outside any scope). */
export function currentTraceState(): TraceState {
  return storage.getStore() ?? rootState;
}

/**
 * Runs `fn` with some fields of the tracing state replaced. The change is visible to everything
 * `fn` calls, synchronously or asynchronously, and nowhere else.
 */
export function withTraceState<R>(patch: Partial<TraceState>, fn: () => R): R {
  return storage.run({ ...currentTraceState(), ...patch }, fn);
}

/** Runs `fn` with a slot of the tracing state set to `value` (see `TraceState.slots`). */
export function withTraceSlot<R>(slot: symbol, value: unknown, fn: () => R): R {
  const state = currentTraceState();
  const slots = new Map(state.slots);
  slots.set(slot, value);
  return storage.run({ ...state, slots }, fn);
}

/** Whether operations called here record their inputs as parents. */
export function isTracing(): boolean {
  return currentTraceState().tracing;
}

/**
 * Runs `fn` with tracing off: operations still compute and return nodes, but those nodes have no
 * parents, so nothing computed inside is part of any graph. Nestable; works for async `fn` (the
 * returned promise's continuations stay untraced).
 *
 * @example
 * const y = noTrace(() => ops.add(x, 1)); // y.parents is []
 */
export function noTrace<R>(fn: () => R): R {
  return withTraceState({ tracing: false }, fn);
}

/**
 * Runs `fn` in a fresh naming scope: node names and keys created inside start again from index 0
 * (`add:0`, `str:0`, …), independent of other scopes, including concurrent ones.
 */
export function graphScope<R>(fn: () => R): R {
  return withTraceState({ names: new NameScope() }, fn);
}

/**
 * Resets the name counters of the current naming scope (the process-wide one outside
 * `graphScope`), so the next node of each base name gets index 0 again. Nodes created before keep
 * their names; do not mix them with new nodes in one optimizer step, or keys may repeat.
 */
export function resetNames(): void {
  currentTraceState().names.reset();
}
