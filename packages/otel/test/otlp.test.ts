/**
 * The spans leave the process: OTLP/HTTP (JSON) export to a receiver on 127.0.0.1 that records
 * the bodies POSTed to /v1/traces, as an OpenTelemetry collector, Jaeger or Langfuse would get them.
 */
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { context, propagation, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { bundle, callLLM } from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import { instrumentTraceTs } from "@trace-ts/otel";

/** An attribute of an OTLP JSON span. */
interface OtlpAttribute {
  readonly key: string;
  readonly value: Readonly<Record<string, unknown>>;
}

/** A span as OTLP JSON carries it (the fields read here). */
interface OtlpSpan {
  readonly name: string;
  readonly kind: number;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly attributes: readonly OtlpAttribute[];
}

let server: Server;
let url: string;
const bodies: { path: string; contentType: string; body: string }[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => {
      bodies.push({
        path: request.url ?? "",
        contentType: String(request.headers["content-type"]),
        body: Buffer.concat(chunks).toString("utf8"),
      });
      response.writeHead(200, { "content-type": "application/json" });
      response.end("{}");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
});

afterAll(async () => {
  server.close();
  await once(server, "close");
});

function value(attribute: OtlpAttribute | undefined): unknown {
  const v = attribute?.value;
  if (v === undefined) return undefined;
  if ("stringValue" in v) return v.stringValue;
  if ("intValue" in v) return Number(v.intValue);
  if ("doubleValue" in v) return v.doubleValue;
  if ("boolValue" in v) return v.boolValue;
  if ("arrayValue" in v)
    return ((v.arrayValue as { values?: { stringValue?: string }[] }).values ?? []).map((x) => x.stringValue);
  return v;
}

describe("OTLP/HTTP export", () => {
  it("delivers the spans with their names, attributes and parents to a local receiver", async () => {
    const provider = new NodeTracerProvider({
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }))],
    });
    provider.register();
    const remove = instrumentTraceTs({ tracerProvider: provider });
    try {
      const model = new ScriptedModel([{ text: "hello", usage: { inputTokens: 7, outputTokens: 2 } }], {
        modelId: "mini",
      });
      const greet = bundle(async function greet(name: string): Promise<string> {
        return (await callLLM(null, `Greet ${name}`, { model })).data;
      });
      expect((await greet("Ada")).data).toBe("hello");
      await provider.forceFlush();
    } finally {
      remove();
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    }

    const posted = bodies.filter((b) => b.path === "/v1/traces");
    expect(posted.length).toBeGreaterThan(0);
    expect(posted[0]!.contentType).toContain("application/json");
    const spans: OtlpSpan[] = posted.flatMap((b) =>
      (
        JSON.parse(b.body) as {
          resourceSpans: { scopeSpans: { scope: { name: string }; spans: OtlpSpan[] }[] }[];
        }
      ).resourceSpans.flatMap((r) =>
        r.scopeSpans.filter((s) => s.scope.name === "@trace-ts/otel").flatMap((s) => s.spans),
      ),
    );
    expect(spans.map((s) => s.name).sort()).toEqual(["bundle greet", "chat mini"]);
    const call = spans.find((s) => s.name === "chat mini")!;
    const outer = spans.find((s) => s.name === "bundle greet")!;
    const attr = (s: OtlpSpan, key: string) => value(s.attributes.find((a) => a.key === key));
    expect(call.kind).toBe(3); // SPAN_KIND_CLIENT
    expect(call.parentSpanId).toBe(outer.spanId);
    expect(attr(call, "gen_ai.operation.name")).toBe("chat");
    expect(attr(call, "gen_ai.request.model")).toBe("mini");
    expect(attr(call, "gen_ai.usage.input_tokens")).toBe(7);
    expect(attr(call, "gen_ai.usage.output_tokens")).toBe(2);
    expect(attr(call, "gen_ai.response.finish_reasons")).toEqual(["stop"]);
    expect(attr(call, "gen_ai.input.messages")).toBeUndefined();
    expect(attr(outer, "trace_ts.operation")).toBe("bundle.call");
    expect(attr(outer, "code.function.name")).toBe("greet");
  }, 30_000);
});
