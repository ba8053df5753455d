import { EventEmitter } from "node:events";
import { describe, expect, it } from "@jest/globals";
import { collectWarnings } from "@trace-ts/core/testing";

describe("collectWarnings", () => {
  it("sees warnings Node emits (which jest's per-file process copy misses) and stops listening after", async () => {
    const emitter = new EventEmitter();
    emitter.setMaxListeners(1);
    const warnings = await collectWarnings(async () => {
      emitter.on("x", () => {});
      emitter.on("x", () => {});
    });
    expect(warnings.map((w) => w.name)).toContain("MaxListenersExceededWarning");
    const later = await collectWarnings(async () => {});
    expect(later).toEqual([]);
  });
});
