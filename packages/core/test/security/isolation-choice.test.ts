import { afterEach, describe, expect, it } from "@jest/globals";
import {
  bundle,
  defaultIsolation,
  InvalidOptionError,
  node,
  requireIsolation,
  setDefaultIsolation,
} from "@trace-ts/core";
import { codeIsolationOf } from "../../src/bundle/code-slot.js";

const saved = process.env.TRACE_ISOLATION;
afterEach(() => {
  if (saved === undefined) delete process.env.TRACE_ISOLATION;
  else process.env.TRACE_ISOLATION = saved;
  setDefaultIsolation(undefined);
});

function trainable(isolation?: "realm" | "strict") {
  return bundle(
    function f(x: string): string {
      return x;
    },
    { trainable: true, ...(isolation ? { isolation } : {}) },
  );
}

describe("which tier runs suggested code", () => {
  it("a bundle asks for one; realm is the default", () => {
    expect(codeIsolationOf(trainable().parameter!)).toBe("realm");
    expect(codeIsolationOf(trainable("strict").parameter!)).toBe("strict");
    expect(codeIsolationOf(node("x", { trainable: true }))).toBeUndefined();
  });

  it("TRACE_ISOLATION raises every bundle's tier and cannot lower one", () => {
    process.env.TRACE_ISOLATION = "strict";
    setDefaultIsolation(undefined); // read the environment again
    expect(defaultIsolation()).toBe("strict");
    expect(codeIsolationOf(trainable().parameter!)).toBe("strict");
    process.env.TRACE_ISOLATION = "realm";
    setDefaultIsolation(undefined);
    expect(codeIsolationOf(trainable("strict").parameter!)).toBe("strict");
  });

  it("an unknown TRACE_ISOLATION is refused when a trainable bundle is declared", () => {
    process.env.TRACE_ISOLATION = "sandboxed";
    setDefaultIsolation(undefined);
    expect(() => trainable()).toThrow(InvalidOptionError);
    expect(() => trainable()).toThrow(/TRACE_ISOLATION.*"realm", "strict"/);
  });

  it("requireIsolation (what optimizers and the trainer use) raises one parameter only", () => {
    const a = trainable();
    const b = trainable();
    requireIsolation(a.parameter!, "strict");
    requireIsolation(a.parameter!, "realm"); // never lowers
    expect(codeIsolationOf(a.parameter!)).toBe("strict");
    expect(codeIsolationOf(b.parameter!)).toBe("realm");
  });

  it("bad isolation options are refused at declaration", () => {
    expect(() => bundle((x: string) => x, { trainable: true, isolation: "vm" as never })).toThrow(
      InvalidOptionError,
    );
    expect(() => bundle((x: string) => x, { trainable: true, wallTimeoutMs: 0 })).toThrow(/wallTimeoutMs/);
    expect(() => bundle((x: string) => x, { trainable: true, memoryLimitBytes: 10 })).toThrow(
      /memoryLimitBytes/,
    );
  });
});
