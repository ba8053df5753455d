/** The process-wide instrumentation hook of core. */
import { afterEach, describe, expect, it } from "@jest/globals";
import {
  type ActiveSpan,
  getInstrumentation,
  type Instrumentation,
  instrument,
  type SpanStart,
  setInstrumentation,
} from "@trace-ts/core/instrumentation";

/** An instrumentation that records what it was asked to run. */
function recording() {
  const started: SpanStart[] = [];
  const events: string[] = [];
  const instrumentation: Instrumentation = {
    captureContent: false,
    run<T>(start: SpanStart, fn: (span: ActiveSpan) => T): T {
      started.push(start);
      return fn({
        setAttributes: (attributes) => events.push(`attributes ${JSON.stringify(attributes)}`),
        addEvent: (name) => events.push(`event ${name}`),
      });
    },
  };
  return { instrumentation, started, events };
}

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

describe("instrument", () => {
  it("without instrumentation only runs the function: the start is not even built", () => {
    expect(getInstrumentation()).toBeUndefined();
    let built = 0;
    const result = instrument(
      () => {
        built++;
        return { operation: "bundle.call", name: "x", attributes: {} };
      },
      (span) => {
        span.setAttributes({ a: 1 });
        span.addEvent("e");
        return 42;
      },
    );
    expect(result).toBe(42);
    expect(built).toBe(0);
  });

  it("with instrumentation hands it the start and the body, sync or async, and passes results and errors on", async () => {
    const r = recording();
    restore = setInstrumentation(r.instrumentation);
    expect(getInstrumentation()).toBe(r.instrumentation);
    const start: SpanStart = {
      operation: "model.call",
      name: "chat m",
      attributes: { "gen_ai.request.model": "m" },
    };
    expect(
      instrument(start, (span) => {
        span.setAttributes({ done: true });
        return "sync";
      }),
    ).toBe("sync");
    await expect(
      instrument(
        () => start,
        async () => "async",
      ),
    ).resolves.toBe("async");
    await expect(
      instrument(start, async () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(r.started).toHaveLength(3);
    expect(r.started[1]).toEqual(start);
    expect(r.events).toEqual(['attributes {"done":true}']);
  });

  it("setInstrumentation returns a function that puts back the previous one, and refuses a non-instrumentation", () => {
    const a = recording();
    const b = recording();
    const undoA = setInstrumentation(a.instrumentation);
    const undoB = setInstrumentation(b.instrumentation);
    expect(getInstrumentation()).toBe(b.instrumentation);
    undoB();
    expect(getInstrumentation()).toBe(a.instrumentation);
    undoA();
    expect(getInstrumentation()).toBeUndefined();
    expect(() => setInstrumentation({} as Instrumentation)).toThrow(TypeError);
  });
});
