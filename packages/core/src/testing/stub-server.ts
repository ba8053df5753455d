/**
 * A local HTTP stub of LLM provider APIs for tests: it listens on 127.0.0.1 on an ephemeral
 * port, records every request, and answers with whatever your handler returns (a JSON body, an
 * error status with headers, a delay, a dropped connection, no answer at all, or a body dripped a
 * byte at a time). Point the real provider packages at it with `baseURL` to test your code end to
 * end without network access.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** One request the stub received. */
export interface StubRequest {
  /** HTTP method. */
  readonly method: string;
  /** Path including the query string, e.g. `/v1/chat/completions`. */
  readonly path: string;
  /** Request headers (lower-case names). */
  readonly headers: IncomingHttpHeaders;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly body: unknown;
  /** The raw body text. */
  readonly text: string;
  /** `performance.now()` when the request arrived (headers read). */
  readonly receivedAt: number;
}

/** How the stub answers one request. */
export interface StubReply {
  /** HTTP status (default 200). */
  readonly status?: number;
  /** Response headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /** A body to send as JSON. */
  readonly json?: unknown;
  /** A raw body (e.g. deliberately malformed JSON); wins over `json`. */
  readonly body?: string;
  /** Wait this long before answering, in ms. */
  readonly delayMs?: number;
  /** Destroy the connection instead of answering (a "connection reset"). */
  readonly reset?: boolean;
  /** Never answer (the client must time out or abort). */
  readonly hang?: boolean;
  /**
   * Send the status and headers at once, then the body a chunk at a time: `chunk` (default one
   * space, which JSON parsers skip) every `intervalMs` (default 500) — for `forMs` ms, after which
   * the real body (`body`/`json`) is sent and the response ends, or, without `forMs`, until the
   * client gives up or the server closes. Tests that a client's time limit covers the body too.
   */
  readonly drip?: {
    /** Time between chunks in ms (default 500). */
    readonly intervalMs?: number;
    /** What to send each time (default `" "`). */
    readonly chunk?: string;
    /** Stop dripping after this long and send the body; default: drip until the connection closes. */
    readonly forMs?: number;
  };
}

/** Computes the reply to a request; `index` counts requests from 0. */
export type StubHandler = (request: StubRequest, index: number) => StubReply | Promise<StubReply>;

/** Options of {@link startStubServer}. */
export interface StubServerOptions {
  /** Keep every request in `requests` (default true; turn off for benchmarks). */
  readonly record?: boolean;
}

/** A running stub server. */
export interface StubServer {
  /** `http://127.0.0.1:<port>` (add `/v1` for the OpenAI SDK's baseURL). */
  readonly url: string;
  /** The ephemeral port. */
  readonly port: number;
  /** Requests received so far (when recording). */
  readonly requests: readonly StubRequest[];
  /** Number of requests received so far (also when not recording). */
  readonly requestCount: number;
  /** Client connections currently open (keep-alive connections count until they close). */
  readonly openConnections: number;
  /**
   * Resolves true once no client connection is open (e.g. after a client aborted a dripping
   * response), or false if some are still open after `timeoutMs` (default 5000).
   */
  waitForNoConnections(timeoutMs?: number): Promise<boolean>;
  /** Replaces the handler. */
  setHandler(handler: StubHandler): void;
  /** Forgets recorded requests and resets the request counter. */
  clear(): void;
  /** Stops the server, dropping open connections. */
  close(): Promise<void>;
}

/**
 * Starts a stub server on 127.0.0.1 with an ephemeral port.
 *
 * @example
 * const stub = await startStubServer(() => ({ json: openAIChatResponse("hello") }));
 * const model = new OpenAIChatModel("gpt-4o-mini", { baseURL: `${stub.url}/v1`, apiKey: "sk-test-not-real" });
 * // ...
 * await stub.close();
 *
 * @param handler computes each reply
 * @param options recording
 */
export async function startStubServer(
  handler: StubHandler,
  options: StubServerOptions = {},
): Promise<StubServer> {
  const record = options.record ?? true;
  let current = handler;
  const requests: StubRequest[] = [];
  let count = 0;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const idleWaiters = new Set<() => void>();

  const server: Server = createServer((req, res) => {
    const receivedAt = performance.now();
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown;
      try {
        body = text === "" ? undefined : JSON.parse(text);
      } catch {
        body = undefined;
      }
      const request: StubRequest = {
        method: req.method ?? "GET",
        path: req.url ?? "/",
        headers: req.headers,
        body,
        text,
        receivedAt,
      };
      const index = count++;
      if (record) requests.push(request);
      Promise.resolve()
        .then(() => current(request, index))
        .then(
          (reply) => respond(res, reply),
          (error: unknown) => respond(res, { status: 500, json: { error: { message: String(error) } } }),
        );
    });
  });

  const respond = (res: ServerResponse, reply: StubReply): void => {
    const send = (): void => {
      if (reply.reset) {
        res.socket?.destroy();
        return;
      }
      if (reply.hang) return;
      const payload = reply.body ?? (reply.json === undefined ? "" : JSON.stringify(reply.json));
      if (reply.drip) {
        drip(res, reply, payload);
        return;
      }
      res.writeHead(reply.status ?? 200, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(payload),
        ...reply.headers,
      });
      res.end(payload);
    };
    if (reply.delayMs && reply.delayMs > 0) {
      const t = setTimeout(() => {
        timers.delete(t);
        send();
      }, reply.delayMs);
      timers.add(t);
    } else send();
  };

  const drip = (res: ServerResponse, reply: StubReply, payload: string): void => {
    const intervalMs = Math.max(1, reply.drip?.intervalMs ?? 500);
    const chunk = reply.drip?.chunk ?? " ";
    const forMs = reply.drip?.forMs;
    const started = performance.now();
    res.writeHead(reply.status ?? 200, { "content-type": "application/json", ...reply.headers });
    res.flushHeaders();
    const interval = setInterval(() => {
      if (res.destroyed || res.writableEnded) return stop();
      if (forMs !== undefined && performance.now() - started >= forMs) {
        stop();
        res.end(payload);
        return;
      }
      res.write(chunk);
    }, intervalMs);
    timers.add(interval);
    function stop(): void {
      clearInterval(interval);
      timers.delete(interval);
    }
    res.on("close", stop);
  };

  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => {
      sockets.delete(socket);
      if (sockets.size === 0) for (const wake of [...idleWaiters]) wake();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    get requestCount() {
      return count;
    },
    get openConnections() {
      return sockets.size;
    },
    waitForNoConnections(timeoutMs = 5_000) {
      if (sockets.size === 0) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const finish = (idle: boolean): void => {
          clearTimeout(timer);
          idleWaiters.delete(wake);
          resolve(idle);
        };
        const wake = (): void => finish(true);
        const timer = setTimeout(() => finish(sockets.size === 0), timeoutMs);
        idleWaiters.add(wake);
      });
    },
    setHandler(h) {
      current = h;
    },
    clear() {
      requests.length = 0;
      count = 0;
    },
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const wake of [...idleWaiters]) wake();
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Options of the response-body builders. */
export interface StubBodyOptions {
  /** Model name in the body (default `stub-model`). */
  readonly model?: string;
  /** Finish/stop reason in the provider's vocabulary (default `stop` / `end_turn`). */
  readonly finishReason?: string;
  /** Prompt tokens (default 11). */
  readonly inputTokens?: number;
  /** Completion tokens (default 7). */
  readonly outputTokens?: number;
  /** Prompt-cache read tokens (default 0). */
  readonly cacheReadTokens?: number;
  /** Prompt-cache write tokens (Anthropic only; default 0). */
  readonly cacheWriteTokens?: number;
}

/**
 * A minimal OpenAI chat-completions response body with `text` as the assistant message.
 * @param text the reply
 * @param options model, finish reason, usage
 */
export function openAIChatResponse(text: string, options: StubBodyOptions = {}): Record<string, unknown> {
  const input = options.inputTokens ?? 11;
  const output = options.outputTokens ?? 7;
  return {
    id: "chatcmpl-stub",
    object: "chat.completion",
    created: 1_700_000_000,
    model: options.model ?? "stub-model",
    choices: [
      {
        index: 0,
        finish_reason: options.finishReason ?? "stop",
        logprobs: null,
        message: { role: "assistant", content: text, refusal: null },
      },
    ],
    usage: {
      prompt_tokens: input,
      completion_tokens: output,
      total_tokens: input + output,
      prompt_tokens_details: { cached_tokens: options.cacheReadTokens ?? 0 },
    },
  };
}

/**
 * A minimal Anthropic messages response body with `text` as the reply.
 * @param text the reply
 * @param options model, stop reason, usage
 */
export function anthropicMessageResponse(
  text: string,
  options: StubBodyOptions = {},
): Record<string, unknown> {
  return {
    id: "msg_stub",
    type: "message",
    role: "assistant",
    model: options.model ?? "stub-model",
    content: [{ type: "text", text }],
    stop_reason: options.finishReason ?? "end_turn",
    stop_sequence: null,
    usage: {
      input_tokens: options.inputTokens ?? 13,
      output_tokens: options.outputTokens ?? 5,
      cache_creation_input_tokens: options.cacheWriteTokens ?? 0,
      cache_read_input_tokens: options.cacheReadTokens ?? 0,
    },
  };
}

/**
 * An error body in the shape both OpenAI and Anthropic use, for non-2xx replies.
 * @param message the error message
 * @param type the error type string
 */
export function stubErrorBody(message: string, type = "api_error"): Record<string, unknown> {
  return { type: "error", error: { type, message } };
}
