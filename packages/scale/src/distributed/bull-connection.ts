/**
 * The Redis client BullMQ queues and workers use: a caller's ioredis client (left open), or one
 * opened from a URL with the settings BullMQ workers need (no per-command retry limit: a worker's
 * blocking reads wait for Redis to come back), closed by `close()`.
 */
import { redactString } from "@trace-ts/core/llm";
import { Redis } from "ioredis";
import type { RedisSource } from "../redis-connection.js";

/** A client for BullMQ and whether it is ours to close. */
export interface BullConnection {
  /** The client. */
  readonly client: Redis;
  /** Where it connects, with credentials redacted. */
  readonly where: string;
  /** Closes the client when it was opened here. */
  close(): Promise<void>;
}

/**
 * Opens (or adopts) the client.
 * @param where the caller, for errors
 * @param redis an ioredis client or a `redis://`/`rediss://` URL
 */
export function bullConnection(where: string, redis: RedisSource): BullConnection {
  if (typeof redis === "string") {
    if (!/^rediss?:\/\//.test(redis)) {
      throw new TypeError(`${where}: redis must be an ioredis client or a redis:// or rediss:// URL`);
    }
    const client = new Redis(redis, { maxRetriesPerRequest: null, disconnectTimeout: 100 });
    client.on("error", () => {});
    return {
      client,
      where: redactString(redis),
      close: async () => {
        client.disconnect();
      },
    };
  }
  if (redis instanceof Redis) {
    const { host, port } = redis.options;
    return { client: redis, where: `${host ?? "localhost"}:${port ?? 6379}`, close: async () => {} };
  }
  throw new TypeError(`${where}: redis must be an ioredis client or a redis:// or rediss:// URL`);
}
