/**
 * @trace-ts/otel with the Node SDK: spans of model calls (GenAI attributes, content only when
 * opted in, errors), bundle calls and their nesting across async code, and removal.
 */
import { afterEach, describe, expect, it } from "@jest/globals";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import {
  bundle,
  CancelledError,
  callLLM,
  ExecutionError,
  InvalidOptionError,
  InvalidRequestError,
  type MessageNode,
  node,
  withDefaults,
} from "@trace-ts/core";
import { getInstrumentation } from "@trace-ts/core/instrumentation";
import { ScriptedModel } from "@trace-ts/core/testing";
import { CAPTURE_CONTENT_ENV, DEFAULT_TRACER_NAME, instrumentTraceTs } from "@trace-ts/otel";
import { idOf, parentOf, startTracing, type Tracing } from "./helpers.js";

let tracing: Tracing | undefined;
afterEach(async () => {
  await tracing?.close();
  tracing = undefined;
});

const usage = { inputTokens: 12, outputTokens: 5, cacheReadTokens: 3 };

describe("model calls", () => {
  it("gives one CLIENT span with the GenAI attributes and token counts", async () => {
    tracing = startTracing();
    const model = new ScriptedModel([{ text: "Blue.", usage, model: "scripted-2024" }], {
      modelId: "mini",
      provider: "acme",
    });
    const answer = await callLLM("Be brief.", "Colour of the sky?", {
      model,
      temperature: 0.2,
      maxTokens: 50,
    });
    expect(answer.data).toBe("Blue.");
    const spans = tracing.spans();
    expect(spans).toHaveLength(1);
    const span = spans[0]!;
    expect(span.name).toBe("chat mini");
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "acme",
      "gen_ai.system": "acme",
      "gen_ai.request.model": "mini",
      "gen_ai.request.temperature": 0.2,
      "gen_ai.request.max_tokens": 50,
      "gen_ai.response.model": "scripted-2024",
      "gen_ai.usage.input_tokens": 15,
      "gen_ai.usage.output_tokens": 5,
      "gen_ai.usage.cache_read.input_tokens": 3,
      "gen_ai.response.finish_reasons": ["stop"],
      "trace_ts.call.purpose": "agent",
      "trace_ts.cached": false,
      "trace_ts.operation": "model.call",
    });
    expect(span.status.code).not.toBe(SpanStatusCode.ERROR);
  });

  it("attaches no prompt or answer unless content capture is on", async () => {
    tracing = startTracing();
    const model = new ScriptedModel(["The answer is 42."], { whenExhausted: "repeat-last" });
    await callLLM("secret system text", "What is six times seven?", { model });
    const plain = tracing.spans()[0]!;
    const text = JSON.stringify({ attributes: plain.attributes, events: plain.events });
    expect(text).not.toContain("secret system text");
    expect(text).not.toContain("six times seven");
    expect(text).not.toContain("42");
    await tracing.close();

    tracing = startTracing({ captureContent: true });
    await callLLM("secret system text", "What is six times seven?", { model });
    const span = tracing.spans()[0]!;
    const input = JSON.parse(span.attributes["gen_ai.input.messages"] as string);
    expect(input).toEqual([
      { role: "system", parts: [{ type: "text", content: "secret system text" }] },
      { role: "user", parts: [{ type: "text", content: "What is six times seven?" }] },
    ]);
    const output = JSON.parse(span.attributes["gen_ai.output.messages"] as string);
    expect(output).toEqual([
      { role: "assistant", parts: [{ type: "text", content: "The answer is 42." }], finish_reason: "stop" },
    ]);
  });

  it("caps captured text and redacts known keys", async () => {
    const key = "zz-test-secret-value-0123456789";
    const saved = process.env.OPENAI_API_KEY;
    process.env.OPENAI_API_KEY = key;
    try {
      tracing = startTracing({ captureContent: true });
      const model = new ScriptedModel(["ok"]);
      await callLLM(null, `${key} ${"x".repeat(20_000)}`, { model });
      const input = tracing.spans()[0]!.attributes["gen_ai.input.messages"] as string;
      expect(input).not.toContain(key);
      expect(input).toContain("[REDACTED]");
      expect(input.length).toBeLessThan(9_000);
      expect(input).toMatch(/more characters\]/);
    } finally {
      if (saved === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = saved;
    }
  });

  it("is one span through a middleware stack, and marks cache hits", async () => {
    tracing = startTracing();
    const model = withDefaults(new ScriptedModel(["cached answer"]), {
      cache: true,
      retry: { maxAttempts: 3 },
    });
    await callLLM(null, "same question", { model });
    await callLLM(null, "same question", { model });
    const spans = tracing.spans();
    expect(spans).toHaveLength(2);
    expect(spans.map((s) => s.attributes["trace_ts.cached"])).toEqual([false, true]);
  });

  it("marks a failed call ERROR and the caller still gets the error", async () => {
    tracing = startTracing();
    const failure = new InvalidRequestError("the prompt is too long", {
      provider: "scripted",
      modelId: "scripted",
    });
    const model = new ScriptedModel([failure]);
    const caught = await callLLM(null, "hi", { model }).catch((e: unknown) => e);
    expect(caught).toBeInstanceOf(ExecutionError);
    expect((caught as ExecutionError).cause).toBe(failure);
    const span = tracing.spans()[0]!;
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes["error.type"]).toBe("LLM_INVALID_REQUEST");
    expect(span.events.map((e) => e.name)).toContain("exception");
    // a cancellation ends the run: passed on as it is, recorded too
    const cancelled = new ScriptedModel([new CancelledError()]);
    await expect(callLLM(null, "hi", { model: cancelled })).rejects.toBeInstanceOf(CancelledError);
    expect(tracing.spans()[1]!.status.code).toBe(SpanStatusCode.ERROR);
  });

  it("stops making spans once removed", async () => {
    tracing = startTracing();
    const model = new ScriptedModel(["a"], { whenExhausted: "repeat-last" });
    await callLLM(null, "one", { model });
    tracing.remove();
    expect(getInstrumentation()).toBeUndefined();
    await callLLM(null, "two", { model });
    expect(tracing.spans()).toHaveLength(1);
    tracing.remove(); // twice is harmless
  });

  it("refuses unknown options", () => {
    expect(() => instrumentTraceTs({ captureContents: true } as never)).toThrow(InvalidOptionError);
    expect(() => instrumentTraceTs({ tracerProvider: {} } as never)).toThrow(InvalidOptionError);
    expect(getInstrumentation()).toBeUndefined();
  });
});

describe("bundle calls", () => {
  it("nests the model call under the bundle that made it", async () => {
    tracing = startTracing();
    const model = new ScriptedModel(["Paris"], { whenExhausted: "repeat-last" });
    const ask = bundle(
      async function capital(country: string): Promise<string> {
        const reply = await callLLM("Answer with a city.", `Capital of ${country}?`, { model });
        return reply.data;
      },
      { trainable: true, scope: () => ({ callLLM, model }) },
    );
    const out = (await ask("France")) as MessageNode<string>;
    expect(out.data).toBe("Paris");
    const outer = tracing.one("bundle capital");
    const inner = tracing.one("chat scripted");
    expect(outer.kind).toBe(SpanKind.INTERNAL);
    expect(parentOf(inner)).toBe(idOf(outer));
    expect(outer.attributes).toMatchObject({
      "trace_ts.operation": "bundle.call",
      "code.function.name": "capital",
      "trace_ts.bundle.trainable": true,
      "trace_ts.bundle.isolation": "realm",
      "trace_ts.bundle.call": "traced",
    });
    expect(String(outer.attributes["code.file.path"])).toMatch(/spans\.test\.ts$/);
    expect(outer.attributes["code.line.number"]).toEqual(expect.any(Number));
  });

  it("keeps the parents of two agents running at the same time apart", async () => {
    tracing = startTracing({ captureContent: true });
    // the first agent's answers come last: its calls are in flight while the second agent works
    const model = new ScriptedModel((request) => request.messages.at(-1)!.content.toUpperCase(), {
      latencyMs: (request) => (request.messages.at(-1)!.content.startsWith("first") ? 30 : 5),
    });
    const first = bundle(async function first(label: string): Promise<string> {
      const a = await callLLM(null, `${label} a`, { model });
      const b = await callLLM(null, `${label} b`, { model });
      return a.data + b.data;
    });
    const second = bundle(async function second(label: string): Promise<string> {
      const a = await callLLM(null, `${label} a`, { model });
      const b = await callLLM(null, `${label} b`, { model });
      return a.data + b.data;
    });
    const [x, y] = await Promise.all([first("first"), second("second")]);
    expect([x.data, y.data]).toEqual(["FIRST AFIRST B", "SECOND ASECOND B"]);
    const agents = { first: tracing.one("bundle first"), second: tracing.one("bundle second") };
    const calls = tracing.spans().filter((s) => s.name === "chat scripted");
    expect(calls).toHaveLength(4);
    for (const call of calls) {
      const prompt = JSON.parse(call.attributes["gen_ai.input.messages"] as string)[0].parts[0]
        .content as string;
      const owner = prompt.startsWith("first") ? agents.first : agents.second;
      expect(parentOf(call)).toBe(idOf(owner));
    }
  });

  it("instruments a sync bundle and records its throw", () => {
    tracing = startTracing();
    const add = bundle(function add(a: number, b: number): number {
      return a + b;
    });
    const fail = bundle(function fail(): number {
      throw new Error("nope");
    });
    expect(add(node(1), 2).data).toBe(3);
    expect(() => fail()).toThrow(ExecutionError);
    expect(tracing.one("bundle add").status.code).not.toBe(SpanStatusCode.ERROR);
    const failed = tracing.one("bundle fail");
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed.attributes["error.type"]).toBe("EXECUTION_ERROR");
  });
});

describe("options", () => {
  it("names the tracer (default @trace-ts/otel) and opts in to content through the GenAI variable", async () => {
    const model = new ScriptedModel(["Blue."], { whenExhausted: "repeat-last" });
    tracing = startTracing();
    await callLLM("Be brief.", "Colour of the sky?", { model });
    const plain = tracing.spans()[0]!;
    expect(plain.instrumentationScope.name).toBe(DEFAULT_TRACER_NAME);
    expect(plain.attributes).not.toHaveProperty("gen_ai.input.messages");
    await tracing.close();

    const saved = process.env[CAPTURE_CONTENT_ENV];
    process.env[CAPTURE_CONTENT_ENV] = " TRUE ";
    try {
      tracing = startTracing({ tracerName: "my-agent" });
      await callLLM("Be brief.", "Colour of the sky?", { model });
      const span = tracing.spans()[0]!;
      expect(span.instrumentationScope.name).toBe("my-agent");
      expect(span.attributes["gen_ai.input.messages"]).toContain("Colour of the sky?");
      await tracing.close();
      // an explicit option wins over the variable
      tracing = startTracing({ captureContent: false });
      await callLLM("Be brief.", "Colour of the sky?", { model });
      expect(tracing.spans()[0]!.attributes).not.toHaveProperty("gen_ai.input.messages");
    } finally {
      if (saved === undefined) delete process.env[CAPTURE_CONTENT_ENV];
      else process.env[CAPTURE_CONTENT_ENV] = saved;
    }
  });
});
