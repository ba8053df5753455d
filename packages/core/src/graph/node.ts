import { currentTraceState } from "./context.js";
import type { FeedbackRecord, ReceivedFeedback } from "./feedback-types.js";
import { type BaseInfo, baseInfo, type NameScope } from "./naming.js";

/** A value or a node holding such a value: what every operation accepts. */
export type MaybeNode<T> = T | Node<T>;

/** The plain value type behind a `MaybeNode`. */
export type Unwrap<X> = X extends Node<infer T> ? T : X;

/**
 * Metadata attached to a node. Operations set `op`; `bundle` adds details of the function it
 * wraps; trainable source-code parameters set `code`.
 */
export interface NodeInfo {
  /** Name of the operation that produced a MessageNode (`add`, `callLLM`, a bundled function). */
  readonly op?: string;
  /** True for a ParameterNode whose value is the source code of a function. */
  readonly code?: boolean;
  /**
   * Set on the result of a `traceInside` bundle call: the inner graph's output (the node its body
   * returned, or the nodes inside the container it returned). See `expandableDependencies()`.
   */
  readonly output?: Node | readonly Node[];
  /**
   * Set on the result of a `traceInside` bundle call: the trainable parameters its inner graph
   * reached that were not passed in (they are also its `__dep` inputs).
   */
  readonly externalDependencies?: readonly Node[];
  /** Anything else a subsystem wants to remember about the node. */
  readonly [key: string]: unknown;
}

/** Options common to every node constructor. */
export interface NodeInit {
  /** Base of the node's name; the index is appended (`prompt` → `prompt:0`, key `prompt0`). */
  readonly name?: string;
  /** What the value is, shown to optimizers. */
  readonly description?: string;
  /** Metadata (see `NodeInfo`). */
  readonly info?: NodeInfo;
  /** @internal Name counters to draw from (default: the current tracing state's). */
  readonly nameScope?: NameScope;
}

let nextNodeId = 0;
const WEAK_COMPACT_MIN = 16;
const NO_PARENTS: readonly Node[] = Object.freeze([]);
const NO_INFO: NodeInfo = Object.freeze({});
const opInfoCache = new Map<string, NodeInfo>();

const compactionQueue: Node[] = [];

/** Compacts the children lists of `node` (and others queued) after the current job ends. */
function scheduleCompaction(node: Node): void {
  compactionQueue.push(node);
  if (compactionQueue.length === 1) {
    setImmediate(() => {
      const queued = compactionQueue.splice(0);
      for (const n of queued) n._compactChildren();
    }).unref();
  }
}

/** Whether an array holds one element twice (small arrays without allocating). */
function hasDuplicates(items: readonly unknown[]): boolean {
  if (items.length > 32) return new Set(items).size !== items.length;
  for (let i = 1; i < items.length; i++) for (let j = 0; j < i; j++) if (items[i] === items[j]) return true;
  return false;
}

/** Shared frozen `{ op }` info object per operation name (most MessageNodes need nothing more). */
function opInfo(op: string): NodeInfo {
  let info = opInfoCache.get(op);
  if (info === undefined) {
    info = Object.freeze({ op });
    if (opInfoCache.size < 4096) opInfoCache.set(op, info);
  }
  return info;
}

/**
 * A traced value. Nodes form a DAG through `parents` (the inputs an operation read); feedback
 * flows backward along those edges. A node without parents is a root: a constant input or a
 * `ParameterNode`.
 *
 * A node's children are held weakly, so a long-lived node (a parameter used in every forward
 * pass) does not keep past graphs alive; there is no global list of nodes either.
 *
 * The fluent operations (`x.add(y)`, `x.getItem(key)`, …) and `x.backward(feedback)` are declared
 * and installed on this class by `ops/fluent.ts`, which the package entry loads, so that this
 * module imports nothing from `ops/` or `backward/` (they import it).
 */
export class Node<T = unknown> {
  /** Process-unique, increasing identifier (creation order). */
  readonly id: number;
  /** What the value is, shown to optimizers. */
  description: string;
  /** The inputs this node was computed from (empty for roots). */
  readonly parents: readonly Node[];
  /** Length of the longest path from a root: 0 for roots, 1 + the maximum parent level otherwise. */
  readonly level: number;
  /** Metadata (see `NodeInfo`). */
  readonly info: NodeInfo;
  /** @internal The value; read through `data`. */
  _data: T;
  /** @internal Id of the `NameScope` the key was drawn from (keys are unique within one scope). */
  readonly _scopeId: number;
  /** @internal Traversal stamp (see `graph/stamp.ts`); lets walks mark nodes without a Set. */
  _stamp = 0;
  /** @internal Per-walk flags, meaningful only while `_stamp` holds the current walk's stamp. */
  _flags = 0;
  #base: BaseInfo;
  #index: number;
  #name: string | undefined;
  #key: string | undefined;
  #children: WeakRef<Node>[] | undefined;
  #compactAt = WEAK_COMPACT_MIN;
  #compactPending = false;
  #feedback: ReceivedFeedback[] | undefined;
  #backwarded = false;

  /**
   * Prefer `node(value, options)`. Operations build `MessageNode`s.
   *
   * @param value the wrapped value
   * @param init name base, description and metadata
   * @param parents the nodes this one was computed from
   */
  constructor(value: T, init: NodeInit = {}, parents: readonly Node[] = NO_PARENTS) {
    this.id = nextNodeId++;
    const state = currentTraceState();
    const scope = init.nameScope ?? state.names;
    this.#base = baseInfo(init.name ?? defaultBaseName(value));
    this.#index = scope.nextIndex(this.#base);
    this._scopeId = scope.id;
    this.description = init.description ?? "";
    this.info = init.info ?? NO_INFO;
    this._data = value;
    this.parents = parents;
    let level = 0;
    if (parents.length > 0) {
      // one weak reference to this node, shared by all its parents
      const self = new WeakRef<Node>(this);
      for (const p of parents) {
        if (p.level >= level) level = p.level + 1;
        p.#addChild(self);
      }
    }
    this.level = level;
    // lets a bundle tell nodes made inside its body from nodes it was not given (see bundle)
    state.readObserver?.onCreate?.(this);
  }

  /**
   * @internal Gives the node a new name base and the next index of it in `scope`, the scope the
   * node was named from (so keys stay unique within it). Models use it to name unnamed trainable
   * fields after the field (`systemPrompt:0`). A key that was already read (shown in a problem
   * view, say) never changes: then nothing happens and it returns false.
   */
  _rebase(base: string, scope: NameScope): boolean {
    if (this.#key !== undefined) return false;
    this.#base = baseInfo(base);
    this.#index = scope.nextIndex(this.#base);
    this.#name = undefined;
    return true;
  }

  /** Human-readable unique name, `base:index` (e.g. `add:3`). */
  get name(): string {
    if (this.#name === undefined) this.#name = `${this.#base.clean}:${this.#index}`;
    return this.#name;
  }

  /** Identifier the optimizer's model sees and answers with (e.g. `add3`); unique per naming scope. */
  get key(): string {
    if (this.#key === undefined) this.#key = `${this.#base.stem}${this.#index}`;
    return this.#key;
  }

  /**
   * The wrapped value. Inside a bundled function body, reading the data of a node that was not
   * passed in as an input is an undeclared dependency (see `bundle`).
   */
  get data(): T {
    const observer = currentTraceState().readObserver;
    if (observer !== undefined) observer.onRead(this);
    return this._data;
  }

  /**
   * The wrapped value, read without being tracked: unlike `data`, reading it inside a bundled
   * function body is not an undeclared dependency. For optimizers, trainers and tools that look at
   * values from outside the traced program (snapshots, prompts, reports).
   */
  peek(): T {
    return this._data;
  }

  /** The nodes computed from this one that are still alive (held weakly). */
  get children(): Node[] {
    const out: Node[] = [];
    if (this.#children)
      for (const ref of this.#children) {
        const child = ref.deref();
        if (child !== undefined) out.push(child);
      }
    return out;
  }

  /** True when the node has no parents. */
  get isRoot(): boolean {
    return this.parents.length === 0;
  }

  /** True when no live node was computed from this one. */
  get isLeaf(): boolean {
    if (this.#children) for (const ref of this.#children) if (ref.deref() !== undefined) return false;
    return true;
  }

  /** Whether an optimizer may change this node's value (only trainable `ParameterNode`s). */
  get trainable(): boolean {
    return false;
  }

  /** Feedback this node received from backward calls (see `backward`). */
  get feedback(): readonly ReceivedFeedback[] {
    return this.#feedback ?? [];
  }

  /** The distinct backward calls that reached this node, oldest first. */
  feedbackRecords(): FeedbackRecord[] {
    const seen = new Set<FeedbackRecord>();
    for (const f of this.feedback) seen.add(f.record);
    return [...seen].sort((a, b) => a.id - b.id);
  }

  /** Whether `backward()` was called on this node without `retainGraph` since its last reset. */
  get backwarded(): boolean {
    return this.#backwarded;
  }

  /** Forgets all feedback this node received and allows `backward()` on it again. */
  zeroFeedback(): void {
    this.#feedback = undefined;
    this.#backwarded = false;
  }

  /** @internal Stores feedback that reached this node. */
  _receive(entry: ReceivedFeedback): void {
    if (this.#feedback === undefined) this.#feedback = [];
    this.#feedback.push(entry);
  }

  /** @internal Marks this node as an output that backward() consumed. */
  _markBackwarded(): void {
    this.#backwarded = true;
  }

  #addChild(child: WeakRef<Node>): void {
    const list = this.#children;
    if (list === undefined) {
      this.#children = [child]; // most nodes get one child: no spare capacity
      return;
    }
    list.push(child);
    if (list.length > this.#compactAt && !this.#compactPending) {
      this.#compactPending = true;
      scheduleCompaction(this);
    }
  }

  /** @internal Number of child references held, dead ones included (for tests of compaction). */
  get _childRefCount(): number {
    return this.#children?.length ?? 0;
  }

  /**
   * @internal Drops references to collected children. Runs in a later macrotask (see
   * `scheduleCompaction`): `deref()` keeps its target alive until the current job ends, so
   * compacting in the middle of a synchronous burst would free nothing and cost a lot.
   */
  _compactChildren(): void {
    this.#compactPending = false;
    const list = this.#children;
    if (list === undefined) return;
    const live = list.filter((r) => r.deref() !== undefined);
    this.#children = live;
    this.#compactAt = Math.max(WEAK_COMPACT_MIN, live.length * 2);
  }

  /**
   * The trainable parameters this node depends on: its trainable ancestors, and those reached
   * through the inner graphs of `traceInside` bundle calls among its ancestors (`info.output`),
   * each once, oldest first. An optimizer can use it to look past a call into what it used.
   */
  parameterDependencies(): ParameterNode[] {
    const out: ParameterNode[] = [];
    walkWithInnerGraphs(this, (n) => {
      if (n instanceof ParameterNode && n.trainable) out.push(n);
    });
    return out.sort((a, b) => a.id - b.id);
  }

  /**
   * The `traceInside` bundle calls among this node and its ancestors (including those inside
   * their inner graphs): the nodes whose `info.output` holds an inner graph that can be expanded.
   */
  expandableDependencies(): MessageNode[] {
    const out: MessageNode[] = [];
    walkWithInnerGraphs(this, (n) => {
      if (n instanceof MessageNode && n.info.output !== undefined) out.push(n);
    });
    return out.sort((a, b) => a.id - b.id);
  }

  /** `Node(name)`; the value is not printed (it may be large). */
  toString(): string {
    return `${this.constructor.name}(${this.name})`;
  }
}

/** Options of a `ParameterNode`. */
export interface ParameterInit extends NodeInit {
  /** Whether optimizers may change it (default true). */
  readonly trainable?: boolean;
  /** A rule the value must keep, shown to optimizers (e.g. "a number between 0 and 1"). */
  readonly constraint?: string;
  /**
   * Checks a candidate value before an optimizer applies it; throws, or returns a non-empty
   * string (the reason), to reject it. `bundle` installs one for code parameters that compiles
   * the new source.
   */
  readonly validate?: (candidate: unknown) => unknown;
}

/**
 * A leaf whose value an optimizer may change: a prompt, a number, a configuration object, or the
 * source code of a bundled function.
 */
export class ParameterNode<T = unknown> extends Node<T> {
  /** A rule the value must keep, shown to optimizers. */
  constraint: string | undefined;
  readonly #trainable: boolean;
  readonly #validate: ParameterInit["validate"];
  #version = 0;
  /** The naming scope of an unnamed parameter, until it is named after a model field. */
  #unnamedScope: NameScope | undefined;

  /**
   * Prefer `node(value, { trainable: true })`.
   * @param value the initial value
   * @param init name, description, constraint, trainability and validator
   */
  constructor(value: T, init: ParameterInit = {}) {
    super(value, init);
    if (init.name === undefined) this.#unnamedScope = init.nameScope ?? currentTraceState().names;
    this.#trainable = init.trainable ?? true;
    this.constraint = init.constraint;
    this.#validate = init.validate;
  }

  override get trainable(): boolean {
    return this.#trainable;
  }

  /** The current value. Setting it (an optimizer's update) counts a new `version`. */
  override get data(): T {
    return super.data;
  }
  override set data(value: T) {
    this._data = value;
    this.#version++;
  }

  /** How many times the value has been replaced since creation. */
  get version(): number {
    return this.#version;
  }

  /** @internal Whether the parameter was made without a `name` and has not been named since. */
  get _unnamed(): boolean {
    return this.#unnamedScope !== undefined;
  }

  /**
   * @internal Names an unnamed parameter after `base` (a model's field name), once: the first
   * model field that lists it wins. Does nothing for a parameter the user named, or whose key
   * was already read (a key an optimizer has shown never changes under it).
   */
  _nameAfter(base: string): void {
    const scope = this.#unnamedScope;
    if (scope === undefined) return;
    this.#unnamedScope = undefined;
    this._rebase(base, scope);
  }

  /**
   * Checks whether `candidate` may become this parameter's value.
   * @returns undefined when acceptable, otherwise the reason it is not
   */
  validate(candidate: unknown): string | undefined {
    if (!this.#validate) return undefined;
    try {
      const result = this.#validate(candidate);
      return typeof result === "string" && result !== "" ? result : undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }
}

/** Options of a `MessageNode`. */
export interface MessageInit extends NodeInit {
  /** Name of the operation (used as the name base when `name` is not given). */
  readonly op: string;
  /** The operation's inputs by parameter name; their nodes become the parents. */
  readonly inputs: Readonly<Record<string, Node>>;
}

/**
 * The result of an operation. Its inputs are named after the operation's parameters
 * (`add(x=int0, y=b0)`) and its `description` says what the operation does.
 */
export class MessageNode<T = unknown> extends Node<T> {
  /** The operation's inputs by parameter name (several names may share one node). */
  readonly inputs: Readonly<Record<string, Node>>;
  /** Name of the operation that produced this node. */
  readonly op: string;

  /**
   * Built by operations, `bundle` and `callLLM`; users rarely call it.
   * @param value the operation's result
   * @param init operation name, named inputs, description and metadata
   */
  constructor(value: T, init: MessageInit) {
    const inputs = init.inputs;
    // exact-size array (push would reserve spare capacity in every node)
    let parents = Object.values(inputs);
    if (parents.length > 1 && hasDuplicates(parents)) parents = [...new Set(parents)];
    super(
      value,
      {
        name: init.name ?? init.op,
        description: init.description,
        info: init.info === undefined ? opInfo(init.op) : { ...init.info, op: init.op },
        nameScope: init.nameScope,
      },
      parents,
    );
    this.inputs = inputs;
    this.op = init.op;
  }
}

/** Options of an `ExceptionNode`. */
export interface ExceptionInit extends MessageInit {
  /** The error that was thrown. */
  readonly error: unknown;
  /** Source of the failing function with the failing line marked, when known. */
  readonly annotatedSource?: string;
}

/**
 * The outcome of an operation that threw. Its value is a one-line description of the error; its
 * parents are the operation's inputs (for trainable code, including the code parameter), so the
 * error can be sent backward as feedback like any other output.
 */
export class ExceptionNode extends MessageNode<string> {
  /** The error that was thrown. */
  readonly error: unknown;
  /** Source of the failing function with the failing line marked, when known. */
  readonly annotatedSource: string | undefined;

  /**
   * @param init operation name, inputs, the error and optionally the annotated failing source
   */
  constructor(init: ExceptionInit) {
    super(describeError(init.error), {
      ...init,
      name: init.name ?? "exception",
      description: init.description ?? `${init.op} raised an error.`,
    });
    this.error = init.error;
    this.annotatedSource = init.annotatedSource;
  }

  /**
   * Feedback text for this error: the error and, when known, the failing function's source with
   * the failing line marked. Send it backward: `exceptionNode.backward(exceptionNode.errorFeedback())`.
   */
  errorFeedback(): string {
    const head = `${this.op} threw ${this._data}`;
    return this.annotatedSource
      ? `${head}\n\nSource (the failing line is marked with >>):\n${this.annotatedSource}`
      : head;
  }
}

/** One-line `Name: message` description of any thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `thrown value: ${typeof error === "string" ? error : String(error)}`;
}

/** Default name base for a value: `int`, `float`, `str`, `bool`, `list`, `obj`, `fn`, `none`. */
export function defaultBaseName(value: unknown): string {
  switch (typeof value) {
    case "number":
      return Number.isInteger(value) ? "int" : "float";
    case "string":
      return "str";
    case "boolean":
      return "bool";
    case "function":
      return "fn";
    case "bigint":
      return "int";
    case "undefined":
      return "none";
    case "symbol":
      return "sym";
    default:
      if (value === null) return "none";
      if (Array.isArray(value)) return "list";
      return "obj";
  }
}

/** Visits `start` and its ancestors, also through the inner graphs of `traceInside` calls, each once. */
function walkWithInnerGraphs(start: Node, visit: (node: Node) => void): void {
  const seen = new Set<Node>([start]);
  const stack: Node[] = [start];
  const push = (n: Node): void => {
    if (seen.has(n)) return;
    seen.add(n);
    stack.push(n);
  };
  while (stack.length > 0) {
    const n = stack.pop()!;
    visit(n);
    for (const p of n.parents) push(p);
    const output = n.info.output;
    if (output instanceof Node) push(output);
    else if (Array.isArray(output))
      for (const o of output as readonly unknown[]) if (o instanceof Node) push(o);
  }
}
