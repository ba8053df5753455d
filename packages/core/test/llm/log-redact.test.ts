import { describe, expect, it } from "@jest/globals";
import { AuthenticationError, ProviderError, withDefaults } from "@trace-ts/core";
import { type LLMLogEvent, logCalls, REDACTED, redact, redactString, wrapModel } from "@trace-ts/core/llm";
import { ScriptedModel } from "@trace-ts/core/testing";

const FAKE_KEY = "sk-test-not-real-0123456789abcdef";

describe("redaction", () => {
  it("removes key-shaped strings, bearer tokens and api-key fields", () => {
    expect(redactString(`key is ${FAKE_KEY}.`)).toBe(`key is ${REDACTED}.`);
    expect(redactString("sk-ant-api03-abcdefghijkl")).toBe(REDACTED);
    expect(redactString("Authorization: Bearer abc.def.ghi-123")).not.toContain("abc.def");
    expect(redactString('{"api_key": "plainsecret123"}')).not.toContain("plainsecret123");
    expect(redactString("x-api-key=zzzzyyyy")).not.toContain("zzzzyyyy");
    expect(redactString("custom token 5up3r", ["5up3r"])).toBe(`custom token ${REDACTED}`);
    expect(redactString("nothing secret here")).toBe("nothing secret here");
  });

  it("walks objects, arrays and errors; replaces secret-named fields", () => {
    const out = redact(
      {
        apiKey: "whatever",
        headers: { Authorization: "Bearer qwertyuiop" },
        list: [`a ${FAKE_KEY}`],
        err: new AuthenticationError(`bad key ${FAKE_KEY}`, { status: 401 }),
      },
      [],
    );
    const text = JSON.stringify(out);
    expect(text).not.toContain(FAKE_KEY);
    expect(text).not.toContain("qwertyuiop");
    expect(text).not.toContain("whatever");
    expect(out.err).toMatchObject({ name: "AuthenticationError", code: "LLM_AUTHENTICATION", status: 401 });
  });

  it("never modifies its input and shares the parts without secrets", () => {
    const clean = { role: "user", content: "hello" };
    const input = { messages: [clean, { role: "user", content: `key ${FAKE_KEY}` }], n: 1 };
    const out = redact(input, []);
    expect(input.messages[1]!.content).toContain(FAKE_KEY);
    expect(out.messages[1]!.content).not.toContain(FAKE_KEY);
    expect(out.messages[0]).toBe(clean);
    const untouched = { a: { b: ["x", "y"] } };
    expect(redact(untouched, [])).toBe(untouched);
  });

  it("removes the values of the provider key environment variables", () => {
    expect(redact({ msg: "token=abc plain-key-value-42" }, ["plain-key-value-42"]).msg).not.toContain(
      "plain-key-value-42",
    );
  });
});

describe("logCalls middleware", () => {
  it("reports request, response and error events with keys removed", async () => {
    const events: LLMLogEvent[] = [];
    const base = new ScriptedModel([
      `echo ${FAKE_KEY}`,
      new ProviderError(`upstream said: invalid key ${FAKE_KEY}`, { status: 502 }),
    ]);
    const model = wrapModel(
      base,
      logCalls({ onEvent: (e) => events.push(e), secrets: ["my-custom-secret"] }),
    );
    await model.generate({
      messages: [{ role: "user", content: `my key is ${FAKE_KEY} and my-custom-secret` }],
      maxTokens: 9,
    });
    await expect(model.generate({ messages: [{ role: "user", content: "again" }] })).rejects.toBeInstanceOf(
      ProviderError,
    );
    expect(events.map((e) => e.type)).toEqual(["request", "response", "request", "error"]);
    const all = JSON.stringify(events);
    expect(all).not.toContain(FAKE_KEY);
    expect(all).not.toContain("my-custom-secret");
    expect(events[0]).toMatchObject({ type: "request", model: "scripted:scripted", maxTokens: 9 });
    expect(events[1]).toMatchObject({ type: "response", cached: false, finishReason: "stop" });
    expect(events[3]).toMatchObject({ type: "error", error: { code: "LLM_PROVIDER", status: 502 } });
    expect(events[0]!.type === "request" && events[0]!.callId).toBe(
      events[1]!.type === "response" && events[1]!.callId,
    );
  });

  it("omits prompts and answers with includePrompts: false", async () => {
    const events: LLMLogEvent[] = [];
    const model = wrapModel(
      new ScriptedModel(["the answer"]),
      logCalls({ onEvent: (e) => events.push(e), includePrompts: false }),
    );
    await model.generate({ messages: [{ role: "user", content: "the question" }] });
    const all = JSON.stringify(events);
    expect(all).not.toContain("the question");
    expect(all).not.toContain("the answer");
  });

  it("a throwing logger does not break the call", async () => {
    const model = wrapModel(
      new ScriptedModel(["fine"]),
      logCalls({
        onEvent: () => {
          throw new Error("logger down");
        },
      }),
    );
    expect((await model.generate({ messages: [{ role: "user", content: "x" }] })).text).toBe("fine");
  });

  it("withDefaults logs retries too, redacted", async () => {
    const events: LLMLogEvent[] = [];
    const model = withDefaults(
      new ScriptedModel([new ProviderError(`503 for ${FAKE_KEY}`, { status: 503 }), "ok"]),
      { retry: { initialDelayMs: 1, jitter: false }, log: (e) => events.push(e) },
    );
    await model.generate({ messages: [{ role: "user", content: "x" }] });
    expect(events.map((e) => e.type)).toEqual(["request", "retry", "response"]);
    expect(JSON.stringify(events)).not.toContain(FAKE_KEY);
  });
});
