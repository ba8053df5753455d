/**
 * A raw HTTP client for the viewer's tests: sends exactly the path and headers given (fetch
 * would normalize the path and refuse to set Host).
 */
import { request } from "node:http";

/** An answer. */
export interface Answer {
  /** HTTP status. */
  readonly status: number;
  /** Headers (lower-case names). */
  readonly headers: Record<string, string | string[] | undefined>;
  /** The body as text. */
  readonly body: string;
}

/**
 * Sends one request to 127.0.0.1.
 *
 * @param port the server's port
 * @param path the raw request target (path and query)
 * @param options method and headers (Host defaults to `127.0.0.1:<port>`)
 */
export function send(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: options.method ?? "GET",
        headers: { host: `127.0.0.1:${port}`, ...options.headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}
