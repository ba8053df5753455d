import { describe, expect, it } from "@jest/globals";
import { node, ops, problemView } from "@trace-ts/core";

describe("smoke", () => {
  it("traces and backprops", () => {
    const b = node(2, { trainable: true, name: "b" });
    const out = ops.add(3, b);
    out.backward("too small");
    const view = problemView([b]);
    expect(view.code).toEqual([`${out.key} = add(x=${view.keyOf(out.parents[0]!)}, y=${b.key})`]);
  });
});
