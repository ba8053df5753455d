/**
 * The checks every request passes (token, Host, Origin, method) and the headers every response
 * carries.
 */
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/** The Content-Security-Policy of every response of the server. */
export const SERVER_CSP =
  "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Headers sent with every response. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": SERVER_CSP,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-store",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Resource-Policy": "same-origin",
};

/** Whether `host` (a name or address, IPv6 without brackets) is a loopback address. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  return bare === "localhost" || bare === "::1" || /^127(\.\d{1,3}){3}$/.test(bare);
}

/** The `host:port` forms a request may name the server by. */
export function allowedHosts(port: number, extraHost?: string): Set<string> {
  const hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  if (extraHost !== undefined) {
    hosts.add(`${extraHost.includes(":") ? `[${extraHost}]` : extraHost}:${port}`.toLowerCase());
  }
  return hosts;
}

/** Whether the `token` query parameter equals the session token (in constant time). */
export function tokenMatches(given: string | null, token: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given, "utf8");
  const b = Buffer.from(token, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Why a request is refused, or null when it may go on. */
export interface Refusal {
  /** HTTP status. */
  readonly status: number;
  /** A short text for the body. */
  readonly message: string;
}

/**
 * Checks Host, Origin, token and method.
 *
 * @param req the request
 * @param query its query parameters
 * @param hosts the accepted `host:port` values
 * @param token the session token
 */
export function refuse(
  req: IncomingMessage,
  query: URLSearchParams,
  hosts: ReadonlySet<string>,
  token: string,
): Refusal | null {
  const host = req.headers.host?.toLowerCase();
  if (host === undefined || !hosts.has(host))
    return { status: 403, message: "Forbidden: unexpected Host header." };
  const origin = req.headers.origin;
  if (origin !== undefined && !hosts.has(originHost(origin))) {
    return { status: 403, message: "Forbidden: cross-origin request." };
  }
  if (!tokenMatches(query.get("token"), token)) {
    return { status: 403, message: "Forbidden: open the link the viewer printed (it carries the token)." };
  }
  if (req.method !== "GET" && req.method !== "HEAD") return { status: 405, message: "Method not allowed." };
  return null;
}

/** The `host:port` of an `http://host:port` origin, or "" when it is not one. */
function originHost(origin: string): string {
  const match = /^http:\/\/([^/?#]+)$/i.exec(origin);
  return match === null ? "" : match[1]!.toLowerCase();
}

/**
 * Sends a short plain-text answer.
 *
 * @param res the response
 * @param status HTTP status
 * @param message the body
 * @param extra more headers
 */
export function sendText(
  res: ServerResponse,
  status: number,
  message: string,
  extra: Readonly<Record<string, string>> = {},
): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    "Content-Type": "text/plain; charset=utf-8",
    ...extra,
  });
  res.end(`${message}\n`);
}

/**
 * Sends a JSON answer.
 *
 * @param res the response
 * @param value what to send
 */
export function sendJson(res: ServerResponse, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": String(Buffer.byteLength(body)),
  });
  res.end(body);
}
