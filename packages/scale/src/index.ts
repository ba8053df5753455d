/**
 * @trace-ts/scale — trace-ts beyond one process: the response cache, rate limits and budget
 * shared through Redis by every process (and machine) that uses one API key.
 */
export { RedisBudgetLedger, type RedisBudgetLedgerOptions } from "./budget-ledger.js";
export { RedisCacheStore, type RedisCacheStoreOptions } from "./cache-store.js";
export { CacheEntryTooLargeError, InvalidKeyPartError, SharedStateUnavailableError } from "./errors.js";
export { RateLimiterClosedError, RedisRateLimiter, type RedisRateLimiterOptions } from "./rate-limiter.js";
export { DEFAULT_PREFIX, type RedisSource } from "./redis-connection.js";
