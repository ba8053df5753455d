/**
 * `SpanInstrumentation`: trace-ts's `Instrumentation` on an OpenTelemetry tracer. Each unit of work
 * is a span started with `startActiveSpan`, so it is the current span of the work's async context
 * and what starts inside (model calls in a bundle, a step's proposal) becomes its child.
 */
import {
  type Attributes,
  type AttributeValue,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
} from "@opentelemetry/api";
import { rootErrorCode } from "@trace-ts/core";
import type { ActiveSpan, Instrumentation, SpanAttributes, SpanStart } from "@trace-ts/core/instrumentation";

/** Reports trace-ts's units of work as OpenTelemetry spans of one tracer. */
export class SpanInstrumentation implements Instrumentation {
  /** Whether prompts, responses and suggested values may be attached to spans. */
  readonly captureContent: boolean;
  readonly #tracer: Tracer;

  /**
   * @param tracer the tracer that starts the spans
   * @param captureContent whether content may be attached (see `Instrumentation.captureContent`)
   */
  constructor(tracer: Tracer, captureContent: boolean) {
    this.#tracer = tracer;
    this.captureContent = captureContent;
  }

  /**
   * Runs `fn` inside a new active span: kind CLIENT for model calls, INTERNAL otherwise. The span
   * ends once, when `fn` returns or the promise it returns settles; a throw or rejection is
   * recorded (`recordException`, status ERROR, `error.type`) and passed on unchanged.
   * @param start what the work is
   * @param fn the work
   */
  run<T>(start: SpanStart, fn: (span: ActiveSpan) => T): T {
    const kind = start.operation === "model.call" ? SpanKind.CLIENT : SpanKind.INTERNAL;
    const attributes = { ...otelAttributes(start.attributes), "trace_ts.operation": start.operation };
    return this.#tracer.startActiveSpan(start.name, { kind, attributes }, (span) => {
      let ended = false;
      const end = (error?: { readonly value: unknown }): void => {
        if (ended) return;
        ended = true;
        if (error !== undefined) recordError(span, error.value);
        span.end();
      };
      let result: T;
      try {
        result = fn(activeSpan(span));
      } catch (error) {
        end({ value: error });
        throw error;
      }
      if (!isThenable(result)) {
        end();
        return result;
      }
      return result.then(
        (value) => {
          end();
          return value;
        },
        (error: unknown) => {
          end({ value: error });
          throw error;
        },
      ) as T;
    });
  }
}

/** What instrumented code sees of its span. */
function activeSpan(span: Span): ActiveSpan {
  return {
    setAttributes(attributes) {
      span.setAttributes(otelAttributes(attributes));
    },
    addEvent(name, attributes) {
      span.addEvent(name, attributes === undefined ? undefined : otelAttributes(attributes));
    },
  };
}

/** Records a failure on its span: the exception event, status ERROR, and `error.type`. */
function recordError(span: Span, error: unknown): void {
  const type = rootErrorCode(error) ?? (error instanceof Error ? error.name : typeof error);
  const message = error instanceof Error ? error.message : String(error);
  span.setAttribute("error.type", type);
  span.recordException(error instanceof Error ? error : { name: type, message });
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

/** trace-ts attributes as OpenTelemetry's: undefined values left out, arrays copied. */
export function otelAttributes(attributes: SpanAttributes): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    out[key] = (Array.isArray(value) ? [...value] : value) as AttributeValue;
  }
  return out;
}

function isThenable<T>(value: T): value is T & PromiseLike<Awaited<T>> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
