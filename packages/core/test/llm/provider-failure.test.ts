import { describe, expect, it } from "@jest/globals";
import {
  AuthenticationError,
  BadResponseError,
  CancelledError,
  InvalidRequestError,
  LLMTimeoutError,
  ProviderError,
  RateLimitError,
  TraceError,
} from "@trace-ts/core";
import { connectionDetail, providerFailureToError } from "@trace-ts/core/llm";

const ctx = {
  provider: "p",
  modelId: "m",
  baseURL: "http://127.0.0.1:1",
  timeoutMs: 50,
  keyVariable: "P_API_KEY",
};
const http = (status: number | undefined, extra: { code?: string; headers?: Record<string, string> } = {}) =>
  providerFailureToError(
    {
      kind: "http",
      error: new Error("boom"),
      status,
      headers: extra.headers,
      message: "bad thing",
      code: extra.code,
    },
    ctx,
  );

describe("providerFailureToError", () => {
  it.each([
    [401, AuthenticationError, /Check P_API_KEY/],
    [403, AuthenticationError, /HTTP 403/],
    [429, RateLimitError, /rate limited/],
    [400, InvalidRequestError, /request rejected/],
    [422, InvalidRequestError, /HTTP 422/],
    [503, ProviderError, /server error \(HTTP 503\)/],
    [undefined, ProviderError, /p:m: bad thing/],
  ])("HTTP %p → %p", (status, type, message) => {
    const error = http(status);
    expect(error).toBeInstanceOf(type);
    expect(error.message).toMatch(message);
  });

  it("keeps the retry hint, and makes an exhausted quota non-retryable", () => {
    const limited = http(429, { headers: { "retry-after-ms": "250" } }) as RateLimitError;
    expect(limited.retryAfterMs).toBe(250);
    const quota = http(429, { code: "insufficient_quota" }) as ProviderError;
    expect(quota).toBeInstanceOf(ProviderError);
    expect(quota.retryable).toBe(false);
    expect((http(503) as ProviderError).retryable).toBe(true);
  });

  it("maps aborts, timeouts, connection losses and non-JSON bodies; trace-ts errors pass through", () => {
    expect(providerFailureToError({ kind: "aborted", error: new Error("a") }, ctx)).toBeInstanceOf(
      CancelledError,
    );
    expect(providerFailureToError({ kind: "timeout", error: new Error("t") }, ctx).message).toMatch(
      /within 50 ms/,
    );
    expect(providerFailureToError({ kind: "timeout", error: new Error("t") }, ctx)).toBeInstanceOf(
      LLMTimeoutError,
    );
    const lost = providerFailureToError(
      { kind: "connection", error: new Error("c"), detail: "ECONNRESET" },
      ctx,
    );
    expect(lost.message).toMatch(/ECONNRESET/);
    expect(
      providerFailureToError({ kind: "other", error: new SyntaxError("Unexpected token") }, ctx),
    ).toBeInstanceOf(BadResponseError);
    const own = new TraceError("MINE", "mine");
    expect(providerFailureToError({ kind: "other", error: own }, ctx)).toBe(own);
  });

  it("connectionDetail prefers the cause's code, then its message", () => {
    expect(
      connectionDetail(
        new Error("outer", { cause: Object.assign(new Error("x"), { code: "ECONNREFUSED" }) }),
      ),
    ).toBe("ECONNREFUSED");
    expect(connectionDetail(new Error("outer", { cause: new Error("socket hang up") }))).toBe(
      "socket hang up",
    );
    expect(connectionDetail(new Error("outer"))).toBe("outer");
  });
});
