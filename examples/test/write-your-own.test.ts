import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import {
  BadResponseError,
  CancelledError,
  createContainer,
  createOptimizer,
  graphScope,
  type LanguageModel,
  LLMTimeoutError,
  node,
  ops,
  ProviderError,
  RateLimitError,
  registerLanguageModel,
  registerProvider,
  resolveLanguageModel,
} from "@trace-ts/core";
import {
  type ConformanceAdapter,
  optimizerConformanceChecks,
  ScriptedModel,
  type StubReply,
  type StubServer,
  startStubServer,
} from "@trace-ts/core/testing";
import { LineEdit, lineEdit } from "../src/write-your-own/optimizer.js";
import { plainHttpProvider } from "../src/write-your-own/provider.js";

const here = dirname(fileURLToPath(import.meta.url));

const adapter: ConformanceAdapter = {
  name: "LineEdit",
  create: (parameters, model, options) => new LineEdit(parameters, { model, maxRetries: options.maxRetries }),
  suggest: (_request, values) =>
    Object.entries(values)
      .map(([key, value]) => `${key} = ${JSON.stringify(value)}`)
      .join("\n"),
  malformed: () => "I would change the factor a little.",
};

describe("the 'write your own' optimizer of docs/optimizers.md", () => {
  for (const check of optimizerConformanceChecks(adapter))
    it(`conformance: ${check.name}`, check.run, 20_000);

  it("is registered by name and built through the container with the container's model", async () => {
    const container = createContainer();
    const model = new ScriptedModel((request) => (request.purpose === "propose" ? "factor0 = 8" : "?"));
    registerLanguageModel(container, model);
    lineEdit.register(container);
    await graphScope(async () => {
      const factor = node(3, { trainable: true, name: "factor" });
      const optimizer = createOptimizer([factor], container);
      expect(optimizer).toBeInstanceOf(LineEdit);
      optimizer.zeroFeedback();
      optimizer.backward(ops.multiply(factor, 2), "The result should be 16.");
      const report = await optimizer.step();
      expect(report.error).toBeUndefined();
      expect(factor.data).toBe(8);
      expect(model.calls[0]!.request.purpose).toBe("propose");
    });
  });

  it("is shown in the docs exactly as it is tested (optimizer in optimizers.md, provider in development.md)", () => {
    const pages = {
      "optimizers.md": ["optimizer.ts", "prompt.ts", "parser.ts"],
      "development.md": ["provider.ts"],
    };
    for (const [page, files] of Object.entries(pages)) {
      const docs = readFileSync(join(here, "../../docs", page), "utf8");
      for (const file of files) {
        const source = readFileSync(join(here, "../src/write-your-own", file), "utf8").trim();
        expect(docs).toContain(`\`\`\`ts\n// examples/src/write-your-own/${file}\n${source}\n\`\`\``);
      }
    }
  });
});

describe("the 'write your own' provider of docs/development.md", () => {
  let server: StubServer;
  const replies: StubReply[] = [];
  beforeAll(async () => {
    server = await startStubServer(() => replies.shift() ?? { json: { text: "default" } });
  });
  afterAll(async () => {
    await server.close();
  });

  async function model(timeoutMs?: number): Promise<LanguageModel> {
    const container = createContainer();
    registerProvider("plain-http", plainHttpProvider, container);
    return resolveLanguageModel(`plain-http:tiny@${server.url}`, {
      container,
      defaults: false,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    });
  }

  it("is resolved through the registry of a child container and answers", async () => {
    replies.push({ json: { text: "Bonjour" } });
    const m = await model();
    const result = await m.generate({
      messages: [{ role: "user", content: "Say hello in French." }],
      temperature: 0,
    });
    expect([result.text, result.model, m.provider]).toEqual(["Bonjour", "tiny", "plain-http"]);
    const sent = server.requests.at(-1)!;
    expect([sent.path, (sent.body as { temperature: number }).temperature]).toEqual(["/generate", 0]);
    await expect(resolveLanguageModel(`plain-http:tiny@${server.url}`)).rejects.toThrow(
      /unknown provider "plain-http"/,
    );
  });

  it("maps failures to typed errors", async () => {
    const m = await model(5_000);
    const ask = () => m.generate({ messages: [{ role: "user", content: "hi" }] });
    replies.push({ status: 429, json: { error: "slow down" }, headers: { "retry-after": "1" } });
    await expect(ask()).rejects.toBeInstanceOf(RateLimitError);
    replies.push({ status: 503, json: { error: "down" } });
    await expect(ask()).rejects.toBeInstanceOf(ProviderError);
    replies.push({ body: "not json" });
    await expect(ask()).rejects.toBeInstanceOf(BadResponseError);
    const controller = new AbortController();
    replies.push({ json: { text: "late" }, delayMs: 2_000 });
    const pending = m.generate({ messages: [{ role: "user", content: "hi" }], signal: controller.signal });
    controller.abort(new Error("stop"));
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
  }, 20_000);

  it("enforces its time limit on the whole call", async () => {
    const m = await model(100);
    replies.push({ json: { text: "too late" }, delayMs: 3_000 });
    await expect(m.generate({ messages: [{ role: "user", content: "hi" }] })).rejects.toBeInstanceOf(
      LLMTimeoutError,
    );
  }, 20_000);
});
