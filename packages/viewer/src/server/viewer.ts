/**
 * The viewer's HTTP server: the page, its two asset files and the JSON API of `protocol.ts`, on
 * a loopback address, behind a session token.
 */
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { InvalidOptionError } from "@trace-ts/core";
import { validateOptions } from "@trace-ts/core/optimizer";
import { ASSET_FILES, checkAssets, defaultAssetsDir } from "../assets.js";
import { RunCatalog } from "../catalog/catalog.js";
import { resolveRoot } from "../catalog/discover.js";
import { ViewerRemoteHostError } from "../errors.js";
import type { ReadLimits } from "../read/limits.js";
import { EventStreams } from "./events.js";
import { allowedHosts, isLoopback, refuse, SECURITY_HEADERS, sendJson, sendText } from "./security.js";
import { serverShell } from "./shell.js";

/** Options of {@link startViewer}. */
export interface ViewerOptions {
  /** Run logs and folders of run logs to show. */
  readonly paths: readonly string[];
  /** Address to listen on (default `127.0.0.1`); a non-loopback one needs `allowRemote`. */
  readonly host?: string;
  /** Port (default 0: any free port). */
  readonly port?: number;
  /** Allow a non-loopback `host` (other machines could then read the runs, given the token). */
  readonly allowRemote?: boolean;
  /** The session token (default: 24 random bytes, base64url). */
  readonly token?: string;
  /** A cassette for the single run log given (default: `<name>.cassette.jsonl` next to each log). */
  readonly cassette?: string;
  /** Stream appended records to the page (default true); when false `/api/events` answers 204. */
  readonly follow?: boolean;
  /** Folder holding the built page (`app.js`, `app.css`; default `dist/client/` of this package). */
  readonly assetsDir?: string;
  /** Size caps of the log reader. */
  readonly limits?: Partial<ReadLimits>;
  /** Where warnings go (default `console.warn`). */
  readonly warn?: (message: string) => void;
}

/** A running viewer. */
export interface RunningViewer {
  /** The page's address, with the token: open it in a browser. */
  readonly url: string;
  /** The port listened on. */
  readonly port: number;
  /** The address listened on. */
  readonly host: string;
  /** The session token every request must carry as `?token=`. */
  readonly token: string;
  /** Ends every event stream and stops the server. */
  close(): Promise<void>;
}

const ROUTES = new Set([
  "/",
  "/assets/app.js",
  "/assets/app.css",
  "/api/runs",
  "/api/run",
  "/api/cassette",
  "/api/events",
]);

const OPTIONS_SCHEMA = {
  paths: "object",
  host: "string",
  port: "integer",
  allowRemote: "boolean",
  token: "string",
  cassette: "string",
  follow: "boolean",
  assetsDir: "string",
  limits: "object",
  warn: "function",
} as const;

/**
 * Starts the viewer.
 *
 * @param options what to show and where to listen
 * @throws ViewerAssetsMissingError when the page is not built
 * @throws ViewerPathError when a path given does not exist
 * @throws ViewerRemoteHostError for a non-loopback host without `allowRemote`
 * @throws InvalidOptionError for an option of the wrong type or out of range
 */
export async function startViewer(options: ViewerOptions): Promise<RunningViewer> {
  validateOptions("startViewer()", options, OPTIONS_SCHEMA);
  if (!Array.isArray(options.paths) || options.paths.some((p) => typeof p !== "string")) {
    throw new InvalidOptionError("startViewer()", "paths", "must be an array of file or folder paths");
  }
  if (options.port !== undefined && (options.port < 0 || options.port > 65_535)) {
    throw new InvalidOptionError("startViewer()", "port", `must be from 0 to 65535, got ${options.port}`);
  }
  const host = options.host ?? "127.0.0.1";
  if (!isLoopback(host)) {
    if (options.allowRemote !== true) throw new ViewerRemoteHostError(host);
    (options.warn ?? console.warn)(
      `trace-ts viewer: listening on ${host}, which is not a loopback address: anyone who can reach it ` +
        "and has the token can read these runs.",
    );
  }
  const assetsDir = options.assetsDir ?? defaultAssetsDir();
  checkAssets(assetsDir);
  const catalog = new RunCatalog(resolveRoot(options.paths), {
    cassette: options.cassette,
    limits: options.limits,
  });
  const token = options.token ?? randomBytes(24).toString("base64url");
  const streams = new EventStreams(options.limits);
  const follow = options.follow !== false;
  let hosts = new Set<string>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = req.url ?? "/";
    const q = raw.indexOf("?");
    const path = q === -1 ? raw : raw.slice(0, q);
    const query = new URLSearchParams(q === -1 ? "" : raw.slice(q + 1));
    const refusal = refuse(req, query, hosts, token);
    if (refusal !== null) {
      sendText(res, refusal.status, refusal.message, refusal.status === 405 ? { Allow: "GET, HEAD" } : {});
      return;
    }
    if (!ROUTES.has(path)) {
      sendText(res, 404, "Not found.");
      return;
    }
    if (path === "/") {
      const body = serverShell(token);
      res.writeHead(200, { ...SECURITY_HEADERS, "Content-Type": "text/html; charset=utf-8" });
      res.end(body);
      return;
    }
    if (path.startsWith("/assets/")) {
      const file = path.slice("/assets/".length);
      const type = ASSET_FILES[file];
      if (type === undefined || !Object.hasOwn(ASSET_FILES, file)) {
        sendText(res, 404, "Not found.");
        return;
      }
      const body = await readFile(join(assetsDir, file)).catch(() => null);
      if (body === null) {
        sendText(res, 500, "The page is not built: run `npm run build`.");
        return;
      }
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        "Content-Type": type,
        "Content-Length": String(body.length),
      });
      res.end(body);
      return;
    }
    if (path === "/api/runs") {
      sendJson(res, await catalog.list());
      return;
    }
    const id = query.get("id");
    if (id === null) {
      sendText(res, 400, "Missing id.");
      return;
    }
    if (path === "/api/run") {
      const run = await catalog.run(id);
      if (run === null) sendText(res, 404, "No such run.");
      else sendJson(res, run);
      return;
    }
    if (path === "/api/cassette") {
      const cassette = await catalog.cassette(id);
      if (cassette === null) sendText(res, 404, "This run has no cassette.");
      else sendJson(res, cassette);
      return;
    }
    // /api/events
    const fromText = query.get("from") ?? "0";
    if (!/^\d{1,15}$/.test(fromText)) {
      sendText(res, 400, "from must be a byte offset.");
      return;
    }
    const entry = await catalog.find(id);
    if (entry === null) {
      sendText(res, 404, "No such run.");
      return;
    }
    if (!follow) {
      res.writeHead(204, SECURITY_HEADERS);
      res.end();
      return;
    }
    if (streams.full) {
      sendText(res, 503, "Too many open event streams.", { "Retry-After": "5" });
      return;
    }
    await streams.stream(res, entry.path, Number(fromText), req.method === "HEAD");
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendText(res, 500, "Internal error.");
      else res.end();
    });
  });
  await new Promise<void>((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolvePromise();
    });
  });
  const port = (server.address() as AddressInfo).port;
  hosts = allowedHosts(port, host);
  const urlHost = host.includes(":") ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}/?token=${encodeURIComponent(token)}`,
    port,
    host,
    token,
    close() {
      closing ??= new Promise<void>((resolvePromise) => {
        streams.closeAll();
        server.close(() => resolvePromise());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
