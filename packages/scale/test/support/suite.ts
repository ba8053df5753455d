/**
 * The set-up the multi-process tests share: a Redis of the file's own and a temp folder, both
 * removed after the file, and every fixture process killed after each test.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll } from "@jest/globals";
import { killFixtures } from "./fixture-process.js";
import { startRedis, type TestRedis } from "./redis-server.js";

/** What a test file gets: its Redis, its temp folder, and fresh key prefixes. */
export interface ProcessSuite {
  /** The file's Redis (started in `beforeAll`). */
  readonly server: TestRedis;
  /** The file's temp folder (created in `beforeAll`). */
  readonly root: string;
  /** A random key prefix, so tests of the file share nothing in Redis. */
  prefix(): string;
}

/**
 * Registers the hooks and returns the suite (its fields are set once `beforeAll` ran).
 * @param name a short name for the temp folder
 */
export function processSuite(name: string): ProcessSuite {
  let server: TestRedis | undefined;
  let root: string | undefined;
  beforeAll(async () => {
    server = await startRedis();
    root = mkdtempSync(join(tmpdir(), `scale-${name}-`));
  }, 60_000);
  afterEach(async () => {
    await killFixtures();
  });
  afterAll(async () => {
    await server?.stop();
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
  });
  return {
    get server() {
      if (server === undefined) throw new Error("processSuite: the Redis is not started yet");
      return server;
    },
    get root() {
      if (root === undefined) throw new Error("processSuite: the temp folder is not made yet");
      return root;
    },
    prefix: () => `${name.slice(0, 1)}${randomBytes(4).toString("hex")}:`,
  };
}
