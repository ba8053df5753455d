/**
 * Reliability of OpenAIChatModel against local stubs: one caller signal shared by many calls
 * gains no listeners, `timeoutMs` bounds the whole response (headers and body), and secrets —
 * the configured key whatever its shape, URL credentials — appear in no error, cause, graph node
 * or log event.
 */
import { randomBytes } from "node:crypto";
import { getEventListeners } from "node:events";
import { inspect } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import {
  AuthenticationError,
  CancelledError,
  callLLM,
  ExecutionError,
  InvalidRequestError,
  LLMError,
  LLMTimeoutError,
  ProviderError,
} from "@trace-ts/core";
import { type LLMLogEvent, logCalls, wrapModel } from "@trace-ts/core/llm";
import {
  collectWarnings,
  openAIChatResponse,
  type StubServer,
  startStubServer,
} from "@trace-ts/core/testing";
import { OpenAIChatModel } from "@trace-ts/openai";

const ask = (content = "Say hi") => ({ messages: [{ role: "user" as const, content }] });
/** Prints measured figures when TRACE_TEST_REPORT is set (quiet otherwise). */
const report = (line: string): void => {
  if (process.env.TRACE_TEST_REPORT) process.stderr.write(`${line}\n`);
};

describe("OpenAIChatModel: a shared caller signal", () => {
  let stub: StubServer;
  beforeAll(async () => {
    stub = await startStubServer(
      (req) => {
        const last = (req.body as { messages: { content: string }[] }).messages.at(-1)!.content;
        if (last === "fail") return { status: 500, json: { error: { message: "upstream down" } } };
        if (last === "hang") return { hang: true };
        return { json: openAIChatResponse("ok") };
      },
      { record: false },
    );
  });
  afterAll(async () => {
    await stub.close();
  });
  const model = (timeoutMs?: number) =>
    new OpenAIChatModel("gpt-4o-mini", {
      apiKey: "sk-test-not-real",
      baseURL: `${stub.url}/v1`,
      ...(timeoutMs ? { timeoutMs } : {}),
    });

  it("keeps no listener after 1,000 calls (sequential and concurrent; successes, failures, timeouts) and emits no warning", async () => {
    const controller = new AbortController();
    const signal = controller.signal;
    const m = model();
    const fast = model(100);
    let ok = 0;
    let failed = 0;
    let timedOut = 0;
    const one = async (i: number): Promise<void> => {
      const hang = i % 100 === 99;
      const content = hang ? "hang" : i % 10 === 9 ? "fail" : "hi";
      try {
        await (hang ? fast : m).generate({ ...ask(content), signal });
        ok++;
      } catch (e) {
        if (e instanceof LLMTimeoutError) timedOut++;
        else if (e instanceof ProviderError) failed++;
        else throw e;
      }
    };
    let mostListeners = 0;
    const warnings = await collectWarnings(async () => {
      for (let i = 0; i < 500; i++) await one(i);
      for (let batch = 0; batch < 10; batch++) {
        const calls = Array.from({ length: 50 }, (_, j) => one(500 + batch * 50 + j));
        // 50 calls in flight on one signal share one listener
        mostListeners = Math.max(mostListeners, getEventListeners(signal, "abort").length);
        await Promise.all(calls);
      }
    });
    const listeners = getEventListeners(signal, "abort").length;
    report(`openai: ${listeners} abort listener(s) on the shared signal after 1,000 calls`);
    expect(listeners).toBe(0);
    expect(mostListeners).toBe(1);
    expect(ok + failed + timedOut).toBe(1000);
    expect(timedOut).toBe(10);
    expect(failed).toBe(90);
    expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
    expect(signal.aborted).toBe(false);
  }, 120_000);

  it("aborting mid-call still gives CancelledError, closes the connection and leaves no listener", async () => {
    const controller = new AbortController();
    const local = await startStubServer(() => {
      setTimeout(() => controller.abort(new Error("user pressed stop")), 20);
      return { hang: true };
    });
    try {
      const m = new OpenAIChatModel("gpt-4o-mini", {
        apiKey: "sk-test-not-real",
        baseURL: `${local.url}/v1`,
        timeoutMs: 60_000,
      });
      const t0 = performance.now();
      const err = await m.generate({ ...ask(), signal: controller.signal }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CancelledError);
      expect((err as CancelledError).cause).toEqual(new Error("user pressed stop"));
      expect(performance.now() - t0).toBeLessThan(10_000);
      expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
      expect(await local.waitForNoConnections(10_000)).toBe(true);
      // an already aborted signal sends nothing
      const before = local.requestCount;
      await expect(m.generate({ ...ask(), signal: controller.signal })).rejects.toBeInstanceOf(
        CancelledError,
      );
      expect(local.requestCount).toBe(before);
    } finally {
      await local.close();
    }
  }, 30_000);
});

describe("OpenAIChatModel: timeoutMs bounds the whole response", () => {
  it.each([
    ["drips forever", { intervalMs: 500 }],
    ["drips 2 bytes/s for 20 s", { intervalMs: 500, forMs: 20_000 }],
  ])(
    "a server that sends headers, then %s, ends in LLMTimeoutError and a closed socket",
    async (_what, drip) => {
      const stub = await startStubServer(() => ({ drip, json: openAIChatResponse("too late") }));
      try {
        const m = new OpenAIChatModel("gpt-4o-mini", {
          apiKey: "sk-test-not-real",
          baseURL: `${stub.url}/v1`,
          timeoutMs: 1000,
        });
        const caller = new AbortController();
        const t0 = performance.now();
        const err = await m.generate({ ...ask(), signal: caller.signal }).catch((e: unknown) => e);
        const elapsed = performance.now() - t0;
        expect(err).toBeInstanceOf(LLMTimeoutError);
        expect(err).not.toBeInstanceOf(CancelledError);
        expect((err as Error).message).toMatch(/no complete response within 1000 ms/);
        expect(elapsed).toBeGreaterThan(500); // it waited for the limit (loosely: timers run on loop time)
        expect(elapsed).toBeLessThan(10_000); // the drip would go on for 20 s or forever
        expect(caller.signal.aborted).toBe(false);
        expect(getEventListeners(caller.signal, "abort")).toHaveLength(0);
        expect(await stub.waitForNoConnections(10_000)).toBe(true);
        report(`openai: LLMTimeoutError after ${elapsed.toFixed(0)} ms (server ${_what})`);
      } finally {
        await stub.close();
      }
    },
    30_000,
  );

  it("a slow body that completes within timeoutMs is read in full", async () => {
    const stub = await startStubServer(() => ({
      drip: { intervalMs: 50, forMs: 300 },
      json: openAIChatResponse("slow but fine"),
    }));
    try {
      const m = new OpenAIChatModel("gpt-4o-mini", {
        apiKey: "sk-test-not-real",
        baseURL: `${stub.url}/v1`,
        timeoutMs: 20_000,
      });
      expect((await m.generate(ask())).text).toBe("slow but fine");
    } finally {
      await stub.close();
    }
  }, 30_000);
});

describe("OpenAIChatModel: secrets never leak", () => {
  const hex = () => randomBytes(16).toString("hex");
  const OPTION_KEY = `k3y-${hex()}`;
  const ENV_KEY = `k3y-${hex()}`;
  const PASSWORD = `pw${hex()}`;
  let stub: StubServer;
  let status = 401;
  const savedEnv = process.env.OPENAI_API_KEY;

  beforeAll(async () => {
    // echoes the bare token back in the body and a header, as a careless server might
    stub = await startStubServer((req) => {
      const token = String(req.headers.authorization ?? "").replace(/^Bearer /, "");
      return {
        status,
        headers: { "x-echo": token },
        json: { error: { message: `Incorrect API key provided: ${token}`, type: "invalid_request_error" } },
      };
    });
  });
  afterAll(async () => {
    await stub.close();
  });
  afterEach(() => {
    if (savedEnv === undefined) delete process.env.OPENAI_API_KEY;
    else process.env.OPENAI_API_KEY = savedEnv;
  });

  /** Everything a user or a log could see of an error, as one string. */
  const visible = (error: unknown, events: readonly LLMLogEvent[]): string =>
    [
      (error as Error).message,
      String(error),
      inspect(error, { depth: 10 }),
      String((error as Error).cause),
      inspect((error as Error).cause, { depth: 10 }),
      JSON.stringify(events),
    ].join("\n");

  const cases = [
    [
      "the apiKey option",
      () => new OpenAIChatModel("gpt-4o-mini", { apiKey: OPTION_KEY, baseURL: `${stub.url}/v1` }),
      OPTION_KEY,
    ],
    [
      "OPENAI_API_KEY",
      () => {
        process.env.OPENAI_API_KEY = ENV_KEY;
        return new OpenAIChatModel("gpt-4o-mini", { baseURL: `${stub.url}/v1`, provider: "openai" });
      },
      ENV_KEY,
    ],
  ] as const;

  it.each(cases)("a key from %s echoed in a 401 and a 500 body appears nowhere", async (_from, make, key) => {
    const m = make();
    for (const [code, type] of [
      [401, AuthenticationError],
      [500, ProviderError],
    ] as const) {
      status = code;
      const events: LLMLogEvent[] = [];
      const err = await wrapModel(m, logCalls({ onEvent: (e) => events.push(e) }))
        .generate(ask())
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(type);
      expect(stub.requests.at(-1)!.headers.authorization).toBe(`Bearer ${key}`); // the key was sent
      expect(events.map((e) => e.type)).toEqual(["request", "error"]);
      const text = visible(err, events);
      expect(text).toContain("Incorrect API key provided");
      expect(text).not.toContain(key);
      expect(text).not.toContain(key.slice(4)); // nor its random part
    }
    expect(inspect(m, { depth: 10 })).not.toContain(key);
  });

  it.each(cases)(
    "a key from %s echoed in a 400 appears nowhere in the ExceptionNode",
    async (_from, make, key) => {
      status = 400;
      const events: LLMLogEvent[] = [];
      const m = wrapModel(make(), logCalls({ onEvent: (e) => events.push(e) }));
      const err = await callLLM("You are terse.", "Say hi", { model: m }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ExecutionError);
      const node = (err as ExecutionError).exceptionNode;
      expect(node.error).toBeInstanceOf(InvalidRequestError);
      const text = [
        node.data,
        node.errorFeedback(),
        visible(err, events),
        inspect(node.error, { depth: 10 }),
      ].join("\n");
      expect(text).toContain("Incorrect API key provided");
      expect(text).not.toContain(key);
      expect(text).not.toContain(key.slice(4));
    },
  );

  it("credentials in the baseURL appear nowhere (connection error, model, logs)", async () => {
    const url = new URL(stub.url);
    const baseURL = `http://trace-user:${PASSWORD}@${url.host}/v1`;
    const m = new OpenAIChatModel("gpt-4o-mini", { apiKey: OPTION_KEY, baseURL });
    const events: LLMLogEvent[] = [];
    const err = await wrapModel(m, logCalls({ onEvent: (e) => events.push(e) }))
      .generate(ask())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LLMError); // a ProviderError: Node's fetch refuses URLs with credentials
    const text = [visible(err, events), inspect(m, { depth: 10 }), String(m), m.baseURL].join("\n");
    expect(text).toContain(url.host); // the message still says where
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain("trace-user:");
    expect(text).not.toContain(OPTION_KEY);
  });
});
