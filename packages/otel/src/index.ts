/**
 * `@trace-ts/otel`: OpenTelemetry spans for trace-ts — model calls with the GenAI semantic
 * conventions, bundle calls, optimizer steps and proposals, training steps and evaluations.
 */
export {
  CAPTURE_CONTENT_ENV,
  DEFAULT_TRACER_NAME,
  type InstrumentTraceTsOptions,
  instrumentTraceTs,
} from "./instrument.js";
