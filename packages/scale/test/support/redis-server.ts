/**
 * A Redis server of a test's own: `redis-server` (Debian's package; `scripts/ensure-test-tools.sh`
 * installs it) started on a free loopback port with no persistence, in a temp folder that `stop()`
 * removes. `restart()` kills it and starts it again on the same port (what clients see when Redis
 * restarts: a dropped connection, then an empty server); `kill()` and `start()` do the two halves
 * with an outage of the test's choosing in between.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A running test Redis. */
export interface TestRedis {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** The port. */
  readonly port: number;
  /** Kills the server and starts a new, empty one on the same port. */
  restart(): Promise<void>;
  /** Kills the server (SIGKILL); `start()` brings an empty one back on the same port. */
  kill(): Promise<void>;
  /** Starts an empty server on the same port after `kill()` (a no-op while one runs). */
  start(): Promise<void>;
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

/** The redis-server executable (`TRACE_REDIS_SERVER` or `redis-server` on the PATH). */
export const REDIS_SERVER = process.env.TRACE_REDIS_SERVER ?? "redis-server";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function launch(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(
    REDIS_SERVER,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`redis-server did not start within 20 s on port ${port}:\n${output}`));
    }, 20_000);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(
        new Error(
          `cannot start ${REDIS_SERVER} (${error.message}): install Debian's redis-server ` +
            "(bash scripts/ensure-test-tools.sh) or set TRACE_REDIS_SERVER",
        ),
      );
    });
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code} before it was ready:\n${output}`));
    });
  });
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

/** Starts a fresh Redis on a free loopback port. */
export async function startRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), "trace-redis-"));
  const port = await freePort();
  let child = await launch(port, dir);
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async restart() {
      await kill(child);
      child = await launch(port, dir);
    },
    kill: () => kill(child),
    async start() {
      if (!running()) child = await launch(port, dir);
    },
    async stop() {
      await kill(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
