import { limitOrigin } from "../code/realm-runner.js";
import type { CallEnvironment } from "../code/runner.js";
import { ExecutionError } from "../errors/execution-error.js";
import { findStopError } from "../errors/stop-error.js";
import { currentTraceState, type TraceState, withTraceState } from "../graph/context.js";
import { ExceptionNode, MessageNode, Node, type NodeInfo, ParameterNode } from "../graph/node.js";
import { FoundNodes, holdsNodes, unwrapHeld, unwrapNodes } from "../graph/unwrap.js";
import { getInstrumentation, instrument, type SpanStart } from "../util/instrumentation.js";
import type { CodeSlot } from "./code-slot.js";
import type { BundleDefinition, Runnable } from "./definition.js";
import { UndeclaredDependencyError } from "./errors.js";
import { __traceBundleInvoke, annotateFailure, framesOf } from "./failure.js";
import { CallFrame, currentFrame, runInFrame } from "./frame.js";
import { bindCall, type FoundArgumentNode } from "./inputs.js";

/**
 * Calls a bundled function. `returnsNodes` says what the call's declared type promises: `true`
 * for a `bundle(fn)` function and for methods called through `traced(obj)` (a `MessageNode`),
 * `false` for a `@bundle` method called directly (its plain declared type). A direct call runs
 * exactly like a traced one — current (possibly rewritten) code, the same checks, failures thrown
 * as `ExecutionError` — but returns the plain value, so its result is what its type says, and it
 * records nothing (it runs as under `noTrace`); to record the call, call it through `traced(obj)`.
 *
 * Three cases:
 *
 * - **traced** (outside any bundle body, or inside a `traceInside` body): the body runs with the
 *   arguments' plain values (nodes when `traceInside`), and the result is a `MessageNode` whose
 *   named inputs are the arguments (plus `__code` for trainable code and `__dep<i>` for allowed
 *   external dependencies). A throw becomes an `ExceptionNode` thrown as `ExecutionError`.
 * - **plain** (inside the body of a bundle that does not trace inside, where tracing is off): the
 *   callee runs like its plain function and returns what the caller's type says: a `@bundle`
 *   method called directly returns its plain value (its declared type); a `bundle(fn)` function or
 *   a method called through `traced()` returns a parentless `MessageNode` (`returnsNodes`).
 *   Errors propagate unchanged, to be attributed to the enclosing bundle.
 * - **recursive** inside its own `traceInside` body: the body is called directly (traced once at
 *   the top).
 */
export function callBundle(
  slot: CodeSlot,
  self: unknown,
  args: readonly unknown[],
  returnsNodes: boolean,
): unknown {
  const state = currentTraceState();
  const frame = currentFrame(state);
  // a recursive call inside its own body is part of the outer call (and of its unit of work)
  if (frame?.runs(slot)) return callPlain(slot, self, args, returnsNodes);
  const mode: BundleCallMode =
    frame !== undefined && !frame.traceInside ? "inner" : returnsNodes ? "traced" : "direct";
  if (getInstrumentation() === undefined) return dispatch(mode, slot, self, args, returnsNodes, state, frame);
  return instrument(bundleCallStart(slot, mode), () =>
    dispatch(mode, slot, self, args, returnsNodes, state, frame),
  );
}

/** How a bundle was called: through its node-returning form, directly, or inside another body. */
type BundleCallMode = "traced" | "direct" | "inner";

function dispatch(
  mode: BundleCallMode,
  slot: CodeSlot,
  self: unknown,
  args: readonly unknown[],
  returnsNodes: boolean,
  state: TraceState,
  frame: CallFrame | undefined,
): unknown {
  if (mode === "inner") return callPlain(slot, self, args, returnsNodes);
  if (mode === "traced") return callTraced(slot, self, args, state, frame);
  return callDirect(slot, self, args, frame);
}

/** A direct call of a `@bundle` method: runs like a traced call with tracing off, returns the plain value. */
function callDirect(
  slot: CodeSlot,
  self: unknown,
  args: readonly unknown[],
  frame: CallFrame | undefined,
): unknown {
  // a direct call hands back no node, so it records none: it runs as under noTrace (no input
  // constants, no links from its inputs) and returns the plain value
  const result = withTraceState({ tracing: false }, () =>
    callTraced(slot, self, args, currentTraceState(), frame),
  );
  return isThenable(result) ? Promise.resolve(result).then(unwrapResult) : unwrapResult(result);
}

/**
 * How a bundle call starts as a unit of work (`bundle.call`), built only when an instrumentation
 * is set: its name, whether its code is trainable, the isolation tier its suggested code runs in,
 * where it is declared, and how it was called (`traced`, `direct`, or `inner` inside another body).
 */
function bundleCallStart(slot: CodeSlot, mode: BundleCallMode): () => SpanStart {
  return () => {
    const def = slot.definition;
    const location = def.sourceLocation;
    return {
      operation: "bundle.call",
      name: `bundle ${def.name}`,
      attributes: {
        "code.function.name": def.name,
        "code.file.path": location?.file,
        "code.line.number": location?.line,
        "trace_ts.bundle.trainable": slot.trainable,
        "trace_ts.bundle.isolation": slot.trainable ? slot.isolation : undefined,
        "trace_ts.bundle.call": mode,
      },
    };
  };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

/** What a runner may ask of the host during a call: reads of nodes held by `this`. */
const ENVIRONMENT: CallEnvironment = {
  readNode: (n) => (n instanceof Node ? n.data : undefined),
};

/** Runs a body: suggested code through its runner (sandboxed, limited), the original directly. */
function invoke(runnable: Runnable, self: unknown, args: readonly unknown[], named: boolean): unknown {
  const runner = runnable.runner;
  if (runner !== undefined) return runner.call(self, args, ENVIRONMENT);
  return named ? __traceBundleInvoke(runnable.fn, self, args) : Reflect.apply(runnable.fn, self, args);
}

const NO_NODES: readonly Node[] = Object.freeze([]);

function unwrapResult(value: unknown): unknown {
  return value instanceof Node ? value._data : value;
}

// ---- plain calls (inside a body that does not trace) ----

function callPlain(slot: CodeSlot, self: unknown, args: readonly unknown[], returnsNodes: boolean): unknown {
  const def = slot.definition;
  const runnable = slot.resolve();
  let callArgs: unknown[];
  if (def.options.traceInside) {
    callArgs = args.map((a) => (a instanceof Node ? a : new Node(a)));
  } else {
    // a read of the enclosing body, also of the nodes inside containers
    const observer = currentTraceState().readObserver;
    const onRead = observer && ((n: Node) => observer.onRead(n));
    callArgs = args.map((a) => unwrapNodes(a instanceof Node ? a.data : a, undefined, onRead));
  }
  const finish = (value: unknown): unknown => {
    slot.succeeded(runnable);
    if (!returnsNodes) return def.options.traceInside ? value : unwrapResult(value);
    return value instanceof MessageNode
      ? value
      : new MessageNode(unwrapResult(value), { op: def.name, inputs: {} });
  };
  const result = invoke(runnable, self, callArgs, false);
  return isThenable(result) ? Promise.resolve(result).then(finish) : finish(result);
}

// ---- traced calls ----

function callTraced(
  slot: CodeSlot,
  self: unknown,
  args: readonly unknown[],
  state: TraceState,
  parent: CallFrame | undefined,
): unknown {
  const call = new TracedCall(slot, state);
  let runnable: Runnable;
  try {
    runnable = slot.resolve();
  } catch (error) {
    call.bind(undefined, self, args);
    return call.fail(error);
  }
  const bodyArgs = call.bind(runnable, self, args);
  call.runnable = runnable;
  const frame = new CallFrame(slot, parent, slot.definition.options.traceInside, call.inputNodes);
  call.frame = frame;
  let result: unknown;
  try {
    result = runInFrame(frame, state, () => invoke(runnable, self, bodyArgs, true));
  } catch (error) {
    return call.fail(error);
  }
  if (isThenable(result)) {
    return Promise.resolve(result).then(
      (value) => call.finish(value),
      (error: unknown) => call.fail(error),
    );
  }
  return call.finish(result);
}

/** The state of one traced call: its inputs, and how to turn its outcome into a node. */
class TracedCall {
  readonly slot: CodeSlot;
  readonly def: BundleDefinition;
  readonly nameScope: TraceState["names"];
  readonly tracing: boolean;
  /** Inputs by name (only while tracing). */
  inputs: Record<string, Node> = {};
  /** Every input node (also when not tracing, for dependency checks). */
  inputNodes: Node[] = [];
  runnable: Runnable | undefined;
  frame: CallFrame | undefined;

  constructor(slot: CodeSlot, state: TraceState) {
    this.slot = slot;
    this.def = slot.definition;
    this.nameScope = state.names;
    this.tracing = state.tracing;
  }

  /** Matches the arguments to parameters and records the input nodes; returns the body's arguments. */
  bind(runnable: Runnable | undefined, self: unknown, args: readonly unknown[]): unknown[] {
    const def = this.def;
    const traceInside = def.options.traceInside;
    const bound = bindCall(def, runnable, self, args);
    const bodyArgs = bound.plain;
    const { names, given, positions } = bound;
    for (let i = 0; i < names.length; i++) {
      const value = given[i];
      let n: Node | undefined;
      if (value instanceof Node) n = value;
      else if (this.tracing || traceInside) {
        // a traceInside body gets the container as given (its operations find the nodes inside)
        const data = traceInside || bound.found === undefined ? value : bodyArgs[positions[i]!];
        n = new Node(data, { nameScope: this.nameScope });
      }
      if (n === undefined) continue;
      this.inputNodes.push(n);
      if (this.tracing) this.inputs[names[i]!] = n;
      if (traceInside) bodyArgs[positions[i]!] = n;
    }
    if (bound.found !== undefined) this.#addFound(bound.found, names, positions);
    if (this.tracing && def.options.trainable) {
      const code = this.slot.parameter;
      if (code !== undefined) this.inputs.__code = code;
    }
    return bodyArgs;
  }

  /** Nodes found inside arguments become inputs too, named `<parameter><path>` (`list[0]`), each once. */
  #addFound(
    found: readonly FoundArgumentNode[],
    names: readonly string[],
    positions: readonly number[],
  ): void {
    const known = new Set(this.inputNodes);
    for (const f of found) {
      if (known.has(f.node)) continue;
      known.add(f.node);
      this.inputNodes.push(f.node);
      if (!this.tracing) continue;
      const at = positions.indexOf(f.position);
      this.inputs[`${at >= 0 ? names[at] : `arg${f.position}`}${f.path}`] = f.node;
    }
  }

  /** The output node of a call that returned `value` (or the undeclared-dependency failure). */
  finish(value: unknown): MessageNode {
    const def = this.def;
    const deps = dependencies(def, this.frame!, value, this.inputNodes);
    if (deps.length > 0 && !def.options.allowExternalDependencies && !def.options.traceInside) {
      const error = new UndeclaredDependencyError(
        def.name,
        deps.map((d) => d.name),
      );
      // a suggestion that reads hidden nodes is feedback for the optimizer; the original is a bug to fix
      if (this.runnable?.runner === undefined) throw error;
      return this.fail(error, deps);
    }
    this.slot.succeeded(this.runnable!);
    return new MessageNode(plainValue(value), {
      op: def.name,
      description: def.description,
      inputs: this.tracing ? withDeps(this.inputs, deps) : this.inputs,
      nameScope: this.nameScope,
      info: def.options.traceInside && this.tracing ? innerGraphInfo(value, deps) : undefined,
    });
  }

  /** Records a failure as an `ExceptionNode` and throws it as `ExecutionError` (or rethrows). */
  fail(error: unknown, deps?: readonly Node[]): never {
    const def = this.def;
    if (!def.options.catchErrors) throw error;
    const stop = findStopError(error);
    if (stop !== undefined) throw stop; // a cancellation or spent budget ends the run; it is not feedback
    const frames = framesOf(limitOrigin(error) ?? error);
    const source = this.runnable === undefined ? currentSource(this.slot) : undefined;
    const annotatedSource = annotateFailure(def, this.runnable, source, error, frames);
    const extra = deps ?? (this.frame ? failureDependencies(def, this.frame, this.inputNodes, error) : []);
    const exceptionNode = new ExceptionNode({
      op: def.name,
      description: def.description,
      inputs: this.tracing ? withDeps(this.inputs, extra) : this.inputs,
      error,
      annotatedSource,
      nameScope: this.nameScope,
      info: { bundle: def.name },
    });
    throw new ExecutionError(exceptionNode, error);
  }
}

function currentSource(slot: CodeSlot): unknown {
  try {
    return slot.parameter?._data ?? slot.definition.source;
  } catch {
    return undefined;
  }
}

/** Adds dependency nodes as inputs `__dep0`, `__dep1`…. */
function withDeps(inputs: Record<string, Node>, deps: readonly Node[]): Record<string, Node> {
  if (deps.length === 0) return inputs;
  const all = { ...inputs };
  deps.forEach((d, i) => {
    all[`__dep${i}`] = d;
  });
  return all;
}

/** A body's result as a plain value: nodes (also inside returned containers, at any depth) are unwrapped. */
function plainValue(value: unknown): unknown {
  return unwrapNodes(value);
}

/**
 * What a `traceInside` call keeps in its node's info: the inner graph's output (the node the body
 * returned, or the nodes inside the container it returned) and the external dependencies (the
 * hidden trainable parameters the inner graph reached that were not passed in). Tools and
 * optimizers use them to look into the call (`node.expandableDependencies()`,
 * `node.parameterDependencies()`).
 */
function innerGraphInfo(value: unknown, deps: readonly Node[]): NodeInfo {
  const returned = resultNodes(value);
  return {
    output: returned.length === 1 && value instanceof Node ? returned[0]! : returned,
    externalDependencies: [...deps],
  };
}

/** The nodes a result holds (a node, or nodes inside returned containers, at any depth). */
function resultNodes(value: unknown): Node[] {
  if (value instanceof Node) return [value];
  if (!holdsNodes(value)) return [];
  const found = new FoundNodes();
  unwrapHeld(value, found);
  return found.list.map((f) => f.node);
}

/**
 * The extra inputs of a call's result. Without `traceInside`: nodes the body read (or returned)
 * that it neither received nor created. With `traceInside`: trainable parameters the returned
 * nodes depend on that were not passed in (hidden parameters), so backward still reaches them.
 */
function dependencies(
  def: BundleDefinition,
  frame: CallFrame,
  value: unknown,
  inputs: readonly Node[],
): readonly Node[] {
  if (typeof value !== "object" || value === null) return def.options.traceInside ? NO_NODES : frame.external;
  const returned = resultNodes(value);
  if (!def.options.traceInside) {
    for (const n of returned) if (!inputs.includes(n) && !frame.created(n)) frame.addExternal(n);
    return frame.external;
  }
  return hiddenParameters(returned, inputs);
}

/**
 * Extra inputs of an `ExceptionNode`: allowed external reads, or for `traceInside` the hidden
 * parameters behind a failed inner operation (so the error's feedback reaches them).
 */
function failureDependencies(
  def: BundleDefinition,
  frame: CallFrame,
  inputs: readonly Node[],
  error: unknown,
): Node[] {
  if (def.options.traceInside) {
    return error instanceof ExecutionError ? hiddenParameters([error.exceptionNode], inputs) : [];
  }
  return def.options.allowExternalDependencies ? [...frame.external] : [];
}

/**
 * Trainable parameters among the ancestors of `roots` that were not passed in. The walk stops at
 * the call's inputs: whatever lies above an input is already connected to the call through it.
 */
function hiddenParameters(roots: readonly Node[], inputs: readonly Node[]): Node[] {
  const hidden: Node[] = [];
  const seen = new Set<Node>(inputs);
  const stack = roots.filter((r) => !seen.has(r));
  for (const r of stack) seen.add(r);
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n instanceof ParameterNode && n.trainable) hidden.push(n);
    for (const p of n.parents) {
      if (seen.has(p)) continue;
      seen.add(p);
      stack.push(p);
    }
  }
  return hidden.sort((a, b) => a.id - b.id);
}
