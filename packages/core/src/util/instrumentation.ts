/**
 * Instrumentation hooks: trace-ts reports its units of work (model calls, bundle calls, optimizer
 * steps, training steps and evaluations) to one process-wide `Instrumentation`, when one is set.
 * `@trace-ts/otel` implements it with OpenTelemetry spans; anything else (a profiler, a logger)
 * can too. With none set, `instrument` only calls the function: no attributes are built.
 */

/** A value a span attribute may hold. */
export type SpanAttributeValue = string | number | boolean | readonly string[] | readonly number[];

/** Span attributes by name (undefined values are left out). */
export type SpanAttributes = Readonly<Record<string, SpanAttributeValue | undefined>>;

/** The units of work trace-ts reports. */
export type InstrumentedOperation =
  /** One call of a language model (the agent's, a judge's or an optimizer's). */
  | "model.call"
  /** One call of a bundled function (traced or direct). */
  | "bundle.call"
  /** One optimizer step or proposal. */
  | "optimizer.step"
  /** One training step. */
  | "trainer.step"
  /** One evaluation of a training run (validation, candidates, test). */
  | "trainer.evaluate";

/** How a unit of work starts: what it is, its name and its first attributes. */
export interface SpanStart {
  /** The kind of work. */
  readonly operation: InstrumentedOperation;
  /** A short name (e.g. `chat gpt-4o-mini`, `bundle greet`, `OptoPrime step 3`). */
  readonly name: string;
  /** Attributes known at the start. */
  readonly attributes: SpanAttributes;
}

/** What instrumented code can add to its span while it runs. */
export interface ActiveSpan {
  /**
   * Adds or replaces attributes.
   * @param attributes the attributes (undefined values are skipped)
   */
  setAttributes(attributes: SpanAttributes): void;
  /**
   * Records an event on the span (e.g. the prompt sent, when content capture is on).
   * @param name the event's name
   * @param attributes its attributes
   */
  addEvent(name: string, attributes?: SpanAttributes): void;
}

/** Receives trace-ts's units of work. */
export interface Instrumentation {
  /**
   * Whether prompts, responses and other text written by users or models may be attached to spans
   * (off unless the user opts in: such text can hold personal data or secrets).
   */
  readonly captureContent: boolean;
  /**
   * Runs `fn` as the body of a unit of work: the unit starts before `fn`, is current in `fn`'s
   * async context (so work started inside becomes its child), and ends when `fn` returns or the
   * promise it returns settles; a throw or rejection is recorded on it and passed on unchanged.
   * @param start what the work is
   * @param fn the work
   */
  run<T>(start: SpanStart, fn: (span: ActiveSpan) => T): T;
}

const NO_SPAN: ActiveSpan = {
  setAttributes() {},
  addEvent() {},
};

let current: Instrumentation | undefined;

/**
 * Sets the process-wide instrumentation (undefined: none).
 * @param instrumentation what receives the units of work
 * @returns a function that puts back the instrumentation that was set before
 */
export function setInstrumentation(instrumentation: Instrumentation | undefined): () => void {
  if (instrumentation !== undefined && typeof instrumentation.run !== "function") {
    throw new TypeError("setInstrumentation: pass an object with run(start, fn), or undefined");
  }
  const previous = current;
  current = instrumentation;
  return () => {
    current = previous;
  };
}

/** The instrumentation set with `setInstrumentation`, if any. */
export function getInstrumentation(): Instrumentation | undefined {
  return current;
}

/**
 * Runs `fn` as a unit of work of the current instrumentation, or just runs it when there is none
 * (then `start` is not even built when it is a function).
 * @param start what the work is, or a function building it
 * @param fn the work; it gets its span (a no-op without instrumentation)
 */
export function instrument<T>(start: SpanStart | (() => SpanStart), fn: (span: ActiveSpan) => T): T {
  const instrumentation = current;
  if (instrumentation === undefined) return fn(NO_SPAN);
  return instrumentation.run(typeof start === "function" ? start() : start, fn);
}
