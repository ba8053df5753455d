/** Test set-up: a Node tracer provider (AsyncLocalStorage context) with an in-memory exporter. */
import { context, propagation, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { type InstrumentTraceTsOptions, instrumentTraceTs } from "@trace-ts/otel";

/** A registered provider, its exporter and the instrumentation; `close()` undoes all of it. */
export interface Tracing {
  readonly exporter: InMemorySpanExporter;
  readonly provider: NodeTracerProvider;
  /** Removes the instrumentation. */
  readonly remove: () => void;
  /** The finished spans. */
  spans(): ReadableSpan[];
  /** The one finished span named `name` (fails when there are none or several). */
  one(name: string): ReadableSpan;
  /** Removes the instrumentation, shuts the provider down and unregisters the global API. */
  close(): Promise<void>;
}

/**
 * Registers a NodeTracerProvider (so its AsyncLocalStorage context manager is the global one) and
 * instruments trace-ts with it.
 */
export function startTracing(options: Omit<InstrumentTraceTsOptions, "tracerProvider"> = {}): Tracing {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  provider.register();
  const remove = instrumentTraceTs({ ...options, tracerProvider: provider });
  return {
    exporter,
    provider,
    remove,
    spans: () => exporter.getFinishedSpans(),
    one(name) {
      const found = exporter.getFinishedSpans().filter((s) => s.name === name);
      if (found.length !== 1) throw new Error(`expected one span named ${name}, found ${found.length}`);
      return found[0]!;
    },
    async close() {
      remove();
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/** The id of a span's parent, or undefined for a root span. */
export function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

/** A span's own id. */
export function idOf(span: ReadableSpan): string {
  return span.spanContext().spanId;
}
