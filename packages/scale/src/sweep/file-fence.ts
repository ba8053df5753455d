/**
 * `FileFence`: a fencing token on a run's folder. Each process that takes a run over gets a token
 * higher than any before (from Redis, never below the folder's own), writes it to the folder's
 * `.fence` file, and checks that file right before each write: a higher token there means another
 * process took over, and the write is refused with `StaleWriterError`.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FencedTarget, WriteFence } from "@trace-ts/trainer";
import { StaleWriterError } from "../errors.js";
import { DEFAULT_TIMEOUT_MS, luaScript, RedisConnection, type RedisSource } from "../redis-connection.js";

/** The file in a run's folder that holds the current token. */
export const FENCE_FILE = ".fence";

// the token is raised above the folder's own first, so a Redis that restarted empty cannot hand
// out a token the folder already saw
const NEXT_TOKEN = luaScript(`
local floor = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current < floor then redis.call('SET', KEYS[1], floor) end
return redis.call('INCR', KEYS[1])
`);

/** The fence of one process over one run's folder (a trainer `WriteFence`). */
export class FileFence implements WriteFence {
  /** This process's token. */
  readonly token: number;
  /** The run's folder. */
  readonly directory: string;

  private constructor(directory: string, token: number) {
    this.directory = directory;
    this.token = token;
  }

  /**
   * Takes the run's folder over: a new token, written to the folder.
   * @param redis where the token counter lives: an ioredis client (left open) or a URL
   * @param key the counter's key
   * @param directory the run's folder (created if needed)
   * @param timeoutMs time limit of the Redis operation (default 5 s)
   * @throws StaleWriterError when an even newer token reached the folder meanwhile;
   *   SharedStateUnavailableError when Redis cannot be used
   */
  static async acquire(
    redis: RedisSource,
    key: string,
    directory: string,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<FileFence> {
    mkdirSync(directory, { recursive: true });
    const seen = readToken(directory);
    const connection = new RedisConnection("FileFence", redis, timeoutMs);
    let token: number;
    try {
      token = Number(await connection.script("fence acquire", NEXT_TOKEN, [key], [String(seen)]));
    } finally {
      await connection.close();
    }
    const fence = new FileFence(directory, token);
    fence.check("log", directory);
    return fence;
  }

  /**
   * Throws `StaleWriterError` when a newer token is on the folder; puts this one back when an
   * older one is (a slower taker-over wrote after this one).
   * @param _target what is about to be written
   * @param path the file, for the error
   */
  check(_target: FencedTarget, path: string): void {
    const current = readToken(this.directory);
    if (current > this.token) throw new StaleWriterError(path, this.token, current);
    if (current < this.token) writeToken(this.directory, this.token);
  }
}

/** The token on a folder (0 when it has none). */
export function readToken(directory: string): number {
  let text: string;
  try {
    text = readFileSync(join(directory, FENCE_FILE), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw error;
  }
  const token = Number(text.trim());
  return Number.isSafeInteger(token) && token >= 0 ? token : 0;
}

function writeToken(directory: string, token: number): void {
  const temporary = join(directory, `${FENCE_FILE}.${process.pid}.${randomBytes(4).toString("hex")}`);
  writeFileSync(temporary, `${token}\n`);
  renameSync(temporary, join(directory, FENCE_FILE));
}
