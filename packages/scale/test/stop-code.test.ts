/**
 * The trainer learns that a reported SCALE_REDIS_UNAVAILABLE stops a run from a table (it cannot
 * import this package): the table must say what the class says.
 */
import { describe, expect, it } from "@jest/globals";
import { findStopError } from "@trace-ts/core";
import { stoppingError, stopReasonOfCode } from "@trace-ts/trainer";
import { SharedStateUnavailableError } from "../src/index.js";

describe("SharedStateUnavailableError in the trainer", () => {
  it("stops a run as an outage, thrown or reported by its code", () => {
    const cause = new Error("connect ECONNREFUSED 127.0.0.1:6379");
    const error = new SharedStateUnavailableError("reserve", "redis://127.0.0.1:6379", cause, cause.message);
    expect(error.stopsRun).toBe("outage");
    expect(findStopError(new Error("wrapped", { cause: error }))).toBe(error);
    expect(stoppingError(error)).toBe(error);
    expect(stopReasonOfCode(error.code)).toBe(error.stopsRun);
  });
});
