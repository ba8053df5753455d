import { clause } from "../errors/clause.js";
import { TraceError } from "../errors/trace-error.js";

/**
 * Suggested source code could not be turned into a function: it does not parse (JavaScript or
 * TypeScript), is not a single function, or fails to compile. Nothing was applied.
 */
export class CodeCompileError extends TraceError {
  /** 1-based line of the problem in the suggested source, when known. */
  readonly line: number | undefined;
  /** The suggested source with the failing line marked, when the line is known. */
  readonly annotatedSource: string | undefined;

  /**
   * @param name the function the code is for
   * @param problem what is wrong
   * @param line 1-based line in the suggested source, when known
   * @param annotatedSource the source with that line marked
   */
  constructor(name: string, problem: string, line?: number, annotatedSource?: string) {
    super(
      "CODE_COMPILE",
      `code for ${name} does not compile${line === undefined ? "" : ` (line ${line})`}: ${clause(problem)}. Fix the code and set it again; the previous code is unchanged.`,
    );
    this.line = line;
    this.annotatedSource = annotatedSource;
  }
}

/**
 * Suggested code uses something trainable code may not use: `import()`, `#private` members,
 * `super`, or the `constructor`/`__proto__` back doors to the host's `Function`.
 */
export class CodeForbiddenError extends TraceError {
  /** 1-based line of the construct in the suggested source, when known. */
  readonly line: number | undefined;

  /**
   * @param name the function the code is for
   * @param problem the construct and why it is not allowed
   * @param line 1-based line in the suggested source
   */
  constructor(name: string, problem: string, line?: number) {
    super(
      "CODE_FORBIDDEN",
      `code for ${name} uses ${problem}${line === undefined ? "" : ` (line ${line})`}. Trainable code runs in a sandbox; rewrite it without this.`,
    );
    this.line = line;
  }
}

/** Suggested code changed the function's signature (parameter names or order, async or generator). */
export class SignatureChangedError extends TraceError {
  /** The signature the code must keep, e.g. `add(a, b = 2)`. */
  readonly expected: string;
  /** The signature the suggested code has. */
  readonly received: string;

  /**
   * @param name the function the code is for
   * @param expected the required signature
   * @param received the suggested code's signature
   * @param problem what differs
   */
  constructor(name: string, expected: string, received: string, problem: string) {
    super(
      "SIGNATURE_CHANGED",
      `code for ${name} must keep the signature ${expected} but has ${received} (${problem}). Change only the body.`,
    );
    this.expected = expected;
    this.received = received;
  }
}

/** Suggested code kept the event loop busy longer than its time limit (`timeoutMs`). */
export class CodeTimeoutError extends TraceError {
  /** The limit in milliseconds. */
  readonly timeoutMs: number;

  /**
   * @param name the function that timed out
   * @param timeoutMs the limit that was exceeded
   */
  constructor(name: string, timeoutMs: number) {
    super(
      "CODE_TIMEOUT",
      `${name} ran for more than ${timeoutMs} ms without finishing (timeoutMs); look for a loop that never ends or work that is far too slow.`,
    );
    this.timeoutMs = timeoutMs;
  }
}

/** The `scope` thunk of a bundle returned something unusable or threw. */
export class InvalidScopeError extends TraceError {
  /**
   * @param name the bundled function
   * @param problem what is wrong with the scope
   */
  constructor(name: string, problem: string) {
    super(
      "INVALID_SCOPE",
      `scope of ${name}: ${clause(problem)}. Pass scope: () => ({ helper, CONSTANT }) with identifier keys.`,
    );
  }
}

/**
 * Suggested code used more memory than its isolation tier allows (`strict`: the QuickJS engine's
 * memory limit; `realm`: the heap growth a call may cause, checked at guards). The call failed and
 * the engine was recycled; the process carries on.
 */
export class CodeMemoryError extends TraceError {
  /** The limit in bytes. */
  readonly limitBytes: number;

  /**
   * @param name the function that ran out of memory
   * @param limitBytes the limit that was exceeded
   */
  constructor(name: string, limitBytes: number) {
    super(
      "CODE_MEMORY",
      `${name} used more than ${Math.round(limitBytes / 1048576)} MB of memory; look for data that grows without bound (a recursion or loop that keeps allocating).`,
    );
    this.limitBytes = limitBytes;
  }
}

/**
 * A value could not cross between suggested code and the host: it is not plain data (a function, a
 * class instance, a proxy, an object with getters, a cycle where none is allowed…). In `strict` only
 * JSON-like data crosses; in `realm` results are converted to plain data before the host reads them.
 */
export class SandboxDataError extends TraceError {
  /** Where the value was going, e.g. `the result of greet` or `argument 1 of helper fetchDoc`. */
  readonly where: string;

  /**
   * @param name the bundled function
   * @param where where the value was going
   * @param problem what is wrong with it
   */
  constructor(name: string, where: string, problem: string) {
    super(
      "SANDBOX_DATA",
      `${name}: ${where} cannot cross the sandbox: ${clause(problem)}. Only plain data (strings, numbers, booleans, null, arrays and plain objects) can.`,
    );
    this.where = where;
  }
}

/**
 * Host constructors for the built-in error names, looked up in a Map (no prototype chain involved:
 * an error named `toString` or `__proto__` finds nothing), for errors rebuilt from a sandbox.
 */
export const HOST_ERROR_CONSTRUCTORS: ReadonlyMap<string, ErrorConstructor> = new Map<
  string,
  ErrorConstructor
>([
  ["Error", Error],
  ["TypeError", TypeError],
  ["RangeError", RangeError],
  ["ReferenceError", ReferenceError],
  ["SyntaxError", SyntaxError],
  ["EvalError", EvalError],
  ["URIError", URIError],
]);
