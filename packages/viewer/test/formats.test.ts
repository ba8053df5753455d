/**
 * The viewer reads run logs without depending on the trainer at run time, so it keeps its own copy
 * of the run-log format and version: they must be the trainer's.
 */
import { describe, expect, it } from "@jest/globals";
import { RUN_LOG_FORMAT as TRAINER_FORMAT, RUN_LOG_VERSION as TRAINER_VERSION } from "@trace-ts/trainer";
import { RUN_LOG_FORMAT, RUN_LOG_VERSION } from "../src/read/lines.js";

describe("run-log format", () => {
  it("is the one the trainer writes", () => {
    expect(RUN_LOG_FORMAT).toBe(TRAINER_FORMAT);
    expect(RUN_LOG_VERSION).toBe(TRAINER_VERSION);
  });
});
