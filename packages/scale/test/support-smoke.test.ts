/** The test Redis starts, answers, restarts empty and stops. */
import { describe, expect, it } from "@jest/globals";
import { Redis } from "ioredis";
import { startRedis } from "./support/redis-server.js";

describe("test Redis", () => {
  it("starts, restarts empty on the same port, and stops", async () => {
    const server = await startRedis();
    const client = new Redis(server.url, { maxRetriesPerRequest: 1 });
    try {
      await client.set("k", "v");
      expect(await client.get("k")).toBe("v");
      await server.restart();
      // the client reconnects to the new, empty server
      expect(await client.get("k")).toBeNull();
    } finally {
      client.disconnect();
      await server.stop();
    }
  }, 60_000);
});
