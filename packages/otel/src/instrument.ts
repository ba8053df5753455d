/** `instrumentTraceTs`: turns trace-ts's units of work into OpenTelemetry spans. */
import { type TracerProvider, trace } from "@opentelemetry/api";
import { InvalidOptionError } from "@trace-ts/core";
import { getInstrumentation, setInstrumentation } from "@trace-ts/core/instrumentation";
import { validateOptions } from "@trace-ts/core/optimizer";
import { SpanInstrumentation } from "./span-instrumentation.js";

/** Options of {@link instrumentTraceTs}. */
export interface InstrumentTraceTsOptions {
  /** Where the spans go (default: the global tracer provider of `@opentelemetry/api`). */
  readonly tracerProvider?: TracerProvider | undefined;
  /**
   * Attach prompts, responses and suggested values to spans (default: false, unless the
   * environment variable `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` is `true`). Such
   * text can hold personal data or secrets; known API keys are redacted and each text is capped.
   */
  readonly captureContent?: boolean | undefined;
  /** The tracer's name (default `@trace-ts/otel`). */
  readonly tracerName?: string | undefined;
}

/** The default tracer name. */
export const DEFAULT_TRACER_NAME = "@trace-ts/otel";

/** The environment variable the GenAI conventions use to opt in to content capture. */
export const CAPTURE_CONTENT_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT";

const SCHEMA = { tracerProvider: "object", captureContent: "boolean", tracerName: "string" } as const;

/**
 * Reports trace-ts's model calls (GenAI conventions, kind CLIENT), bundle calls, optimizer steps
 * and proposals, training steps and evaluations as OpenTelemetry spans, from now on and for the
 * whole process. Spans nest along the async context, so set up a context manager (the Node SDK's
 * `NodeTracerProvider.register()` does).
 *
 * @example
 * const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] });
 * provider.register();
 * const stop = instrumentTraceTs();
 * // … run, optimize, train …
 * stop();
 * await provider.shutdown();
 *
 * @param options the tracer provider, content capture and tracer name
 * @returns a function that removes the instrumentation again (and puts back the one set before)
 * @throws InvalidOptionError for an unknown option or a value of the wrong kind
 */
export function instrumentTraceTs(options: InstrumentTraceTsOptions = {}): () => void {
  validateOptions("instrumentTraceTs", options, SCHEMA);
  const provider = options.tracerProvider ?? trace.getTracerProvider();
  if (typeof provider.getTracer !== "function") {
    throw new InvalidOptionError("instrumentTraceTs", "tracerProvider", "must have getTracer(name, version)");
  }
  const tracer = provider.getTracer(options.tracerName ?? DEFAULT_TRACER_NAME);
  const capture = options.captureContent ?? process.env[CAPTURE_CONTENT_ENV]?.trim().toLowerCase() === "true";
  const instrumentation = new SpanInstrumentation(tracer, capture);
  const restore = setInstrumentation(instrumentation);
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    // when another instrumentation replaced this one since, it stays
    if (getInstrumentation() === instrumentation) restore();
  };
}
