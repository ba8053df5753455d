import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { describe, expect, it } from "@jest/globals";
import { AuthenticationError, ProviderError } from "@trace-ts/core";
import {
  knownSecrets,
  type LLMLogEvent,
  logCalls,
  providerFailureToError,
  providerSecrets,
  REDACTED,
  redact,
  redactError,
  redactProviderText,
  redactString,
  registerSecret,
  wrapModel,
} from "@trace-ts/core/llm";
import { ScriptedModel } from "@trace-ts/core/testing";

const hex = () => randomBytes(12).toString("hex");

/** An SDK-like error class with a body and response headers, as the provider SDKs throw. */
class FakeAPIError extends Error {
  readonly status: number;
  readonly headers: Headers;
  readonly error: unknown;
  constructor(status: number, body: unknown, headers: Headers, options?: ErrorOptions) {
    super(`${status} ${JSON.stringify(body)}`, options);
    this.name = "FakeAPIError";
    this.status = status;
    this.headers = headers;
    this.error = body;
  }
}

describe("URL credentials", () => {
  it("removes user:password@ (and a bare token@) from URLs in any text", () => {
    expect(redactString("connect to http://alice:s3cr3t-pw@proxy.local:8080/v1 failed")).toBe(
      `connect to http://${REDACTED}@proxy.local:8080/v1 failed`,
    );
    expect(redactString("https://ghp_token123@github.com/x")).not.toContain("ghp_token123");
    expect(redactString("mail bob@example.com; see http://example.com/a@b")).toBe(
      "mail bob@example.com; see http://example.com/a@b",
    );
  });
});

describe("registered secrets", () => {
  it("registerSecret makes any later redact remove a key of any shape; short values are ignored", () => {
    const key = `k3y-${hex()}`;
    expect(redact({ m: `key ${key}` }).m).toContain(key);
    registerSecret(key);
    registerSecret("short");
    expect(knownSecrets()).toContain(key);
    expect(knownSecrets()).not.toContain("short");
    expect(redact({ m: `key ${key}` }).m).toBe(`key ${REDACTED}`);
  });

  it("a log hook created before a key is registered still removes it", async () => {
    const key = `odd-shape-${hex()}`;
    const events: LLMLogEvent[] = [];
    const model = wrapModel(
      new ScriptedModel([new ProviderError(`upstream echoed ${key}`, { status: 502 })]),
      logCalls({ onEvent: (e) => events.push(e) }),
    );
    registerSecret(key);
    await expect(model.generate({ messages: [{ role: "user", content: "x" }] })).rejects.toThrow();
    expect(JSON.stringify(events)).not.toContain(key);
  });

  it("providerSecrets collects the key, credential headers and a base-URL password", () => {
    const secrets = providerSecrets({
      apiKey: "k3y-abcdef",
      headers: { "api-key": "azure-key-1234", Authorization: "Bearer tok-5678", "x-trace": "harmless" },
      baseURL: "http://bob:p%40ss-word@host/v1",
    });
    expect(secrets).toEqual(
      expect.arrayContaining([
        "k3y-abcdef",
        "azure-key-1234",
        "Bearer tok-5678",
        "tok-5678",
        "p%40ss-word",
        "p@ss-word",
      ]),
    );
    expect(secrets).not.toContain("harmless");
    expect(secrets).not.toContain("bob");
    expect(redactProviderText("echo p@ss-word and k3y-abcdef", secrets)).toBe(
      `echo ${REDACTED} and ${REDACTED}`,
    );
  });
});

describe("redactError", () => {
  it("copies an SDK error with message, stack, body, headers and cause chain redacted; keeps its class", () => {
    const key = `k3y-${hex()}`;
    const root = new TypeError(`Request cannot be constructed from http://u:pw-${key}@h/v1`);
    const original = new FakeAPIError(
      401,
      { error: { message: `bad key ${key}` } },
      new Headers({ "x-echo": key, "x-request-id": "req_1", authorization: "Basic abc" }),
      { cause: root },
    );
    const copy = redactError(original, [key]);
    expect(copy).not.toBe(original);
    expect(copy).toBeInstanceOf(FakeAPIError);
    expect(copy.status).toBe(401);
    expect(copy.headers.get("x-request-id")).toBe("req_1");
    expect(copy.headers.get("authorization")).toBe(REDACTED);
    const shown = [inspect(copy, { depth: 10 }), String(copy), String(copy.cause), copy.stack].join("\n");
    expect(shown).toContain("FakeAPIError");
    expect(shown).toContain("bad key");
    expect(shown).not.toContain(key);
    expect(shown).not.toContain("Basic abc");
    expect(copy.cause).toBeInstanceOf(TypeError);
    // the original is untouched
    expect(original.message).toContain(key);
    expect(original.headers.get("x-echo")).toBe(key);
  });

  it("copies errors whose prototype needs internal state (DOMException) as plain errors", () => {
    const copy = redactError(new DOMException("aborted k3y-secretvalue", "AbortError"), ["k3y-secretvalue"]);
    expect(copy.name).toBe("AbortError");
    expect(copy.message).toBe(`aborted ${REDACTED}`);
    expect(inspect(copy)).not.toContain("k3y-secretvalue");
  });

  it("non-errors are redacted like redact()", () => {
    expect(redactError({ apiKey: "x", m: "sk-abcdefghijk" }, [])).toEqual({ apiKey: REDACTED, m: REDACTED });
  });
});

describe("providerFailureToError and secrets", () => {
  it("removes the provider's exact secrets from the message and keeps only a redacted cause", () => {
    const key = `k3y-${hex()}`;
    const sdkError = new FakeAPIError(401, { error: { message: `no such key ${key}` } }, new Headers());
    const error = providerFailureToError(
      { kind: "http", error: sdkError, status: 401, headers: null, message: `no such key ${key}` },
      {
        provider: "p",
        modelId: "m",
        baseURL: "http://user:hunter2-pass@127.0.0.1:1",
        timeoutMs: 50,
        secrets: [key],
      },
    );
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.cause).not.toBe(sdkError);
    expect(error.cause).toBeInstanceOf(FakeAPIError);
    const shown = [error.message, inspect(error, { depth: 10 }), String(error.cause)].join("\n");
    expect(shown).toContain("no such key");
    expect(shown).not.toContain(key);

    const lost = providerFailureToError(
      { kind: "connection", error: new Error("fetch failed"), detail: "ECONNREFUSED" },
      { provider: "p", modelId: "m", baseURL: "http://user:hunter2-pass@127.0.0.1:1", timeoutMs: 50 },
    );
    expect(lost.message).toContain("127.0.0.1:1");
    expect(lost.message).not.toContain("hunter2-pass");
  });
});
