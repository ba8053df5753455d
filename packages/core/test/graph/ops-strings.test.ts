import { describe, expect, it } from "@jest/globals";
import { node, ops } from "@trace-ts/core";
import { expectOp, opFailure } from "./helpers/op-checks.js";

describe("charCode and fromCharCode (ord and chr)", () => {
  it("convert between a character and its code point", () => {
    const a = node("a", { trainable: true });
    const code = ops.charCode(a);
    expectOp(code, "charCode", 97, ["char"]);
    expect(code.inputs.char).toBe(a);
    expectOp(ops.fromCharCode(node(97)), "fromCharCode", "a", ["code"]);
    expect(ops.charCode("😀").data).toBe(0x1f600);
    expect(ops.fromCharCode(0x1f600).data).toBe("😀");
  });

  it.each([["ab"], [""], [7]])("charCode(%p) fails", (value) => {
    expect(opFailure(() => ops.charCode(value as string), "charCode").cause).toMatchObject({
      code: "INVALID_OPERAND",
    });
  });

  it.each([[-1], [0x110000], [1.5], ["a"]])("fromCharCode(%p) fails", (value) => {
    expect(opFailure(() => ops.fromCharCode(value as number), "fromCharCode").cause).toMatchObject({
      code: "INVALID_OPERAND",
    });
  });
});

describe("case operations", () => {
  it.each([
    ["title", ops.title, "they're bill's 2nd-best FRIEND", "They'Re Bill'S 2Nd-Best Friend"],
    ["capitalize", ops.capitalize, "hELLO World", "Hello world"],
    ["capitalize", ops.capitalize, "", ""],
    ["swapCase", ops.swapCase, "Hello World 42", "hELLO wORLD 42"],
  ])("%s(%p)", (name, op, input, expected) => {
    expectOp(op(node(input)), name, expected, ["text"]);
  });
});

describe("strip, lstrip, rstrip", () => {
  it("remove whitespace by default and record chars as null", () => {
    const out = ops.strip(node("  \t hi \n"));
    expectOp(out, "strip", "hi", ["text", "chars"]);
    expect(out.inputs.chars!.data).toBeNull();
    expect(ops.lstrip("  hi  ").data).toBe("hi  ");
    expect(ops.rstrip("  hi  ").data).toBe("  hi");
  });

  it("remove any of the given characters, not a pattern", () => {
    expectOp(ops.strip(node("xyhixyx"), "yx"), "strip", "hi", ["text", "chars"]);
    expectOp(ops.lstrip(node("xyhixyx"), "yx"), "lstrip", "hixyx", ["text", "chars"]);
    expectOp(ops.rstrip(node("xyhixyx"), "yx"), "rstrip", "xyhi", ["text", "chars"]);
    expect(ops.strip("a.*b.*", ".*").data).toBe("a.*b");
    expect(ops.strip("aaa", "a").data).toBe("");
    expect(ops.strip("  hi  ", "").data).toBe("  hi  ");
  });

  it("refuse chars that are not a string", () => {
    expect(opFailure(() => ops.strip("x", 5 as never), "strip").cause).toMatchObject({
      code: "INVALID_OPERAND",
    });
  });
});

describe("fluent string methods", () => {
  it("record the same operations", () => {
    const s = node("--hello world--");
    expect(s.strip("-").title().data).toBe("Hello World");
    expect(s.lstrip("-").capitalize().data).toBe("Hello world--");
    expect(s.rstrip("-").swapCase().data).toBe("--HELLO WORLD");
    expect(node("  x ").strip().op).toBe("strip");
    expect(node("A").charCode().data).toBe(65);
  });
});
