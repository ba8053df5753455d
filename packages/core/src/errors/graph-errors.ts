import { TraceError } from "./trace-error.js";

/** An option had the wrong type or an unknown name. */
export class InvalidOptionError extends TraceError {
  /** Name of the offending option, e.g. `trainable`. */
  readonly option: string;
  /**
   * @param where the function or class that received the option, e.g. `node()`
   * @param option the option's name
   * @param problem what is wrong with it
   */
  constructor(where: string, option: string, problem: string) {
    super("INVALID_OPTION", `${where}: option '${option}' ${problem}`);
    this.option = option;
  }
}

/** A function that needs a traced `Node` received something else. */
export class NotANodeError extends TraceError {
  /**
   * @param where the function that was called, e.g. `backward()`
   * @param received the value it got instead of a node
   */
  constructor(where: string, received: unknown) {
    super(
      "NOT_A_NODE",
      `${where} needs a Node but received ${describeValue(received)}; wrap values with node(value) or pass the node an operation returned`,
    );
  }
}

/** A function that needs a `ParameterNode` (e.g. an optimizer's parameter list) received something else. */
export class NotAParameterError extends TraceError {
  /**
   * @param where the function that was called
   * @param received what it got instead
   */
  constructor(where: string, received: unknown) {
    super(
      "NOT_A_PARAMETER",
      `${where} needs ParameterNodes but received ${
        received !== null && typeof received === "object" && "name" in received
          ? `${String((received as { name: unknown }).name)}, which is not a parameter`
          : describeValue(received)
      }; create parameters with node(value, { trainable: true })`,
    );
  }
}

/** Feedback passed to `backward()` was not a string, number, boolean or plain object. */
export class InvalidFeedbackError extends TraceError {
  /** @param received the rejected feedback value */
  constructor(received: unknown) {
    super(
      "INVALID_FEEDBACK",
      `backward() feedback must be a string, number, boolean or plain object, not ${describeValue(received)}${
        received !== null && typeof received === "object" && "data" in received
          ? " (pass node.data to send a node's value)"
          : ""
      }`,
    );
  }
}

/** `backward()` was called a second time on an output without `retainGraph`. */
export class BackwardTwiceError extends TraceError {
  /** @param outputName the output node's name */
  constructor(outputName: string) {
    super(
      "BACKWARD_TWICE",
      `${outputName} already received feedback through backward(). Pass { retainGraph: true } to the first backward() call to send feedback to it again, or call zeroFeedback() on it (or on the optimizer) first.`,
    );
  }
}

/** A propagator returned something `backward()` cannot use. */
export class PropagatorError extends TraceError {
  /**
   * @param propagatorName the propagator's `name`
   * @param nodeName the node being propagated when it went wrong
   * @param problem what the propagator returned and what was expected
   */
  constructor(propagatorName: string, nodeName: string, problem: string) {
    super("PROPAGATOR_RESULT", `propagator '${propagatorName}' at ${nodeName}: ${problem}`);
  }
}

/** Short, safe description of a value for error messages (never prints large contents). */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "function") return `a function (${value.name || "anonymous"})`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === "object") {
    const ctor = (value as object).constructor?.name;
    return ctor && ctor !== "Object" ? `an instance of ${ctor}` : "a plain object";
  }
  if (typeof value === "string")
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `the ${typeof value} ${String(value)}`;
}

/**
 * `node(value, { trainable: true })` got a value that is not JSON data (a `Map`, a `Set`, a `Date`, a
 * function, a class instance, `undefined`, a bigint, a symbol, a non-finite number, or a cycle).
 * Optimizers read and write trainable values as JSON, so such a value would break after the first
 * update.
 */
export class NotJsonValueError extends TraceError {
  /** Where in the value the problem is, e.g. `config.handlers[2]`. */
  readonly path: string;
  /** What was found there, e.g. `a Map`. */
  readonly found: string;

  /**
   * @param path where in the value the problem is (the value itself is its node name or `value`)
   * @param found what was found there, e.g. `a function`
   */
  constructor(path: string, found: string) {
    super(
      "INVALID_TRAINABLE_VALUE",
      `node(): the trainable value ${path} is ${found}, which is not JSON data. Optimizers read and write trainable values as JSON, so it would break after the first update. ` +
        "Use plain data (objects, arrays, strings, finite numbers, booleans, null); for code, make a trainable function with @bundle({ trainable: true }) or bundle(fn, { trainable: true }).",
    );
    this.path = path;
    this.found = found;
  }
}

/**
 * `applyOp(op, ...args)` got containers (arrays, plain objects, Maps) that cannot be walked
 * together: at `path`, one is an array of another length, has other keys, or is another kind of
 * container.
 */
export class ContainerShapeError extends TraceError {
  /** Where the containers differ, e.g. `[2].weights` (`(top level)` for the arguments themselves). */
  readonly path: string;
  /** The shape of the first container argument there, e.g. `argument 0: an array of length 3`. */
  readonly expected: string;
  /** The shape that differs, e.g. `argument 2: an array of length 2`. */
  readonly actual: string;

  /**
   * @param path where the containers differ
   * @param expected the first container's shape, naming its argument
   * @param actual the differing container's shape, naming its argument
   */
  constructor(path: string, expected: string, actual: string) {
    super(
      "CONTAINER_SHAPE_MISMATCH",
      `applyOp(): the containers differ in shape at ${path}: ${expected}, but ${actual}. Containers walked together must be of the same kind with the same length (arrays) or the same keys (plain objects, Maps); pass a value that is not a container to use it in every call.`,
    );
    this.path = path;
    this.expected = expected;
    this.actual = actual;
  }
}
