/** The viewer benchmark's synthetic run log is a run log the trainer could have written. */
import { describe, expect, it } from "@jest/globals";
import { runLogSchema } from "@trace-ts/trainer";
import { Ajv } from "ajv";
import { syntheticLog } from "../src/viewer.js";

describe("viewer benchmark", () => {
  it("writes one valid run-log record per line: run, eval and step per step, end", () => {
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
    const validate = ajv.compile(runLogSchema());
    const lines = syntheticLog(3).trimEnd().split("\n");
    const records = lines.map((line) => JSON.parse(line) as { type: string; step?: number });
    expect(records.map((r) => r.type)).toEqual([
      "run",
      "eval",
      "step",
      "eval",
      "step",
      "eval",
      "step",
      "end",
    ]);
    for (const record of records) {
      const ok = validate(record);
      expect(ok ? [] : validate.errors).toEqual([]);
    }
    expect(records.filter((r) => r.type === "step").map((r) => r.step)).toEqual([1, 2, 3]);
  });
});
