/**
 * `@trace-ts/core/instrumentation`: the hooks through which trace-ts reports model calls, bundle
 * calls, optimizer steps and training work to a tracer (see `@trace-ts/otel` for OpenTelemetry).
 */

export { generateInstrumented } from "../ops/llm-span.js";
export {
  type ActiveSpan,
  getInstrumentation,
  type Instrumentation,
  type InstrumentedOperation,
  instrument,
  type SpanAttributes,
  type SpanAttributeValue,
  type SpanStart,
  setInstrumentation,
} from "../util/instrumentation.js";
