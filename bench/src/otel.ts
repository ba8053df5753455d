/**
 * OpenTelemetry benchmark (issue [observability]): what instrumentation costs per model call.
 * `callLLM` with a `ScriptedModel` (no latency, so the model costs almost nothing and the
 * overhead shows) is timed without instrumentation, with `instrumentTraceTs` and a Node tracer
 * provider exporting to memory, and the same with content capture; each as the median µs per call
 * over repeats, with its ratio to the baseline measured in the same run (the modes alternate in
 * every repeat, so drift affects them alike), next to the cost of an empty active span of the same
 * SDK (the floor any OpenTelemetry instrumentation pays). Also the `instrument()` fast path with nothing set
 * against calling the function directly. Run: `npm run bench -- otel`.
 */
import { context, propagation, trace } from "@opentelemetry/api";
import { BatchSpanProcessor, InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { callLLM } from "@trace-ts/core";
import { instrument, type SpanStart } from "@trace-ts/core/instrumentation";
import { ScriptedModel } from "@trace-ts/core/testing";
import { instrumentTraceTs } from "@trace-ts/otel";
import { median, printTable } from "./util.js";

const CALLS = 2_000;
const REPEATS = 9;
const FAST_PATH_CALLS = 2_000_000;

type Mode = "none" | "otel" | "otel + content";
const MODES: readonly Mode[] = ["none", "otel", "otel + content"];

/** Runs the benchmark and prints one table for model calls and one for the fast path. */
export async function runOtelBench(): Promise<void> {
  const exporter = new InMemorySpanExporter();
  // batched, as in production (a simple processor exports each span as it ends)
  const processor = new BatchSpanProcessor(exporter, { maxQueueSize: 4 * CALLS, maxExportBatchSize: 512 });
  const provider = new NodeTracerProvider({ spanProcessors: [processor] });
  provider.register();
  const model = new ScriptedModel(["The sky is blue because of Rayleigh scattering."], {
    whenExhausted: "repeat-last",
    modelId: "bench-model",
  });
  const system = "You answer in one short sentence.";
  const question = "Why is the sky blue? Explain it to a ten-year-old.";

  const timeCalls = async (mode: Mode): Promise<number> => {
    const remove =
      mode === "none"
        ? () => {}
        : instrumentTraceTs({ tracerProvider: provider, captureContent: mode === "otel + content" });
    try {
      const started = performance.now();
      for (let i = 0; i < CALLS; i++) await callLLM(system, question, { model });
      return ((performance.now() - started) * 1000) / CALLS;
    } finally {
      remove();
      await provider.forceFlush();
      exporter.reset();
      model.reset();
    }
  };

  // what the SDK itself costs: one active span around an awaited body, without trace-ts
  const tracer = provider.getTracer("bench");
  const timeBareSpans = async (): Promise<number> => {
    const started = performance.now();
    for (let i = 0; i < CALLS; i++) {
      await tracer.startActiveSpan(
        "chat bench-model",
        { attributes: { "gen_ai.operation.name": "chat" } },
        async (span) => {
          await null;
          span.setAttributes({ "gen_ai.usage.output_tokens": 9 });
          span.end();
        },
      );
    }
    const us = ((performance.now() - started) * 1000) / CALLS;
    await provider.forceFlush();
    exporter.reset();
    return us;
  };

  try {
    for (const mode of MODES) await timeCalls(mode); // warm-up
    await timeBareSpans();
    const perCall = new Map<Mode, number[]>(MODES.map((m) => [m, []]));
    const bare: number[] = [];
    for (let r = 0; r < REPEATS; r++) {
      for (const mode of MODES) perCall.get(mode)!.push(await timeCalls(mode));
      bare.push(await timeBareSpans());
    }
    const base = median(perCall.get("none")!);
    console.log(
      `callLLM with a ScriptedModel (no latency), ${CALLS} calls × ${REPEATS} repeats, median per call`,
    );
    printTable(
      ["instrumentation", "µs/call", "× baseline", "+µs/call"],
      MODES.map((mode) => {
        const us = median(perCall.get(mode)!);
        return [mode, us, us / base, us - base];
      }),
    );
    console.log(`an empty active span of the same SDK (no trace-ts): ${median(bare).toFixed(1)} µs`);
  } finally {
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  }

  // the fast path: nothing set, `instrument` only calls the function (the start is never built)
  const start = (): SpanStart => ({ operation: "bundle.call", name: "bundle f", attributes: { n: 1 } });
  let sink = 0;
  const work = (): number => sink + 1;
  const fast: number[] = [];
  const direct: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    let t0 = performance.now();
    for (let i = 0; i < FAST_PATH_CALLS; i++) sink = work();
    direct.push(((performance.now() - t0) * 1e6) / FAST_PATH_CALLS);
    t0 = performance.now();
    for (let i = 0; i < FAST_PATH_CALLS; i++) sink = instrument(start, work);
    fast.push(((performance.now() - t0) * 1e6) / FAST_PATH_CALLS);
  }
  console.log(`\ninstrument() with no instrumentation set, ${FAST_PATH_CALLS} calls × ${REPEATS} repeats`);
  printTable(
    ["call", "ns/call", "+ns/call"],
    [
      ["fn() directly", median(direct), 0],
      ["instrument(start, fn)", median(fast), median(fast) - median(direct)],
    ],
  );
  if (sink < 0) console.log(sink); // keeps the loops from being optimized away
}
