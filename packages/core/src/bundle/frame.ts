import {
  currentTraceState,
  type DataReadObserver,
  type TraceState,
  withTraceState,
} from "../graph/context.js";
import type { Node } from "../graph/node.js";

const FRAME = Symbol("trace-ts.bundle-frame");
const NONE: readonly Node[] = Object.freeze([]);

/**
 * One running call of a bundled function, kept in the tracing state (AsyncLocalStorage) while its
 * body runs, so concurrent calls never share it. While the body of a bundle without `traceInside`
 * runs, the frame is also the data-read observer: it records every node whose data the body reads
 * that was neither an input nor created inside the body.
 */
export class CallFrame implements DataReadObserver {
  /** The code slot (function, or method on one instance) being called. */
  readonly owner: object;
  /** The frame this call runs inside, if any. */
  readonly parent: CallFrame | undefined;
  /** Whether the body runs traced (receives nodes, builds an inner graph). */
  readonly traceInside: boolean;
  readonly #inputs: readonly Node[];
  #created: Set<object> | undefined;
  #external: Node[] | undefined;

  /**
   * @param owner identifies the callee (for recursion checks)
   * @param parent the enclosing frame
   * @param traceInside whether the body is traced
   * @param inputs the nodes passed in as arguments
   */
  constructor(owner: object, parent: CallFrame | undefined, traceInside: boolean, inputs: readonly Node[]) {
    this.owner = owner;
    this.parent = parent;
    this.traceInside = traceInside;
    this.#inputs = inputs;
  }

  /** Records a read of a node's data (see `DataReadObserver`). */
  onRead(node: object): void {
    if (this.#inputs.includes(node as Node) || this.#created?.has(node)) return;
    if (this.#external === undefined) this.#external = [];
    if (!this.#external.includes(node as Node)) this.#external.push(node as Node);
  }

  /** Records a node created while the body runs (its reads are not dependencies). */
  onCreate(node: object): void {
    if (this.#created === undefined) this.#created = new Set();
    this.#created.add(node);
  }

  /** Whether a node was created while the body ran. */
  created(node: object): boolean {
    return this.#created?.has(node) ?? false;
  }

  /** Nodes the body read that it neither received nor created, in first-read order. */
  get external(): readonly Node[] {
    return this.#external ?? NONE;
  }

  /** Records that the body used `node` without reading its data (e.g. returned it). */
  addExternal(node: Node): void {
    this.onRead(node);
  }

  /** Whether this frame or an enclosing one is a call of `owner` (recursion). */
  runs(owner: object): boolean {
    for (let f: CallFrame | undefined = this; f !== undefined; f = f.parent)
      if (f.owner === owner) return true;
    return false;
  }
}

/**
 * The innermost bundle call running here, if any. A frame that observes reads is the state's
 * `readObserver`; a `traceInside` frame (which observes nothing) is kept in a state slot.
 */
export function currentFrame(state: TraceState = currentTraceState()): CallFrame | undefined {
  const observer = state.readObserver;
  if (observer instanceof CallFrame) return observer;
  return state.slots.get(FRAME) as CallFrame | undefined;
}

/**
 * Runs `fn` as the body of `frame`. Without `traceInside`: tracing off, the frame observes node
 * reads. With `traceInside`: tracing unchanged, no observer, the frame in a state slot.
 */
export function runInFrame<R>(frame: CallFrame, state: TraceState, fn: () => R): R {
  if (!frame.traceInside) return withTraceState({ readObserver: frame, tracing: false }, fn);
  const slots = new Map(state.slots);
  slots.set(FRAME, frame);
  return withTraceState({ slots, readObserver: undefined }, fn);
}
