import { describe, expect, it } from "@jest/globals";
import { node, ops } from "@trace-ts/core";
import { expectOp, opFailure } from "./helpers/op-checks.js";

describe("floor division and Python's %", () => {
  it.each([
    [7, 2, 3, 1],
    [-7, 2, -4, 1],
    [7, -2, -4, -1],
    [-7, -2, 3, -1],
    [7.5, 2, 3, 1.5],
    [-7.5, 2, -4, 0.5],
  ])("divmod(%p, %p) is [%p, %p] and agrees with floorDivide and floorMod", (x, y, q, r) => {
    const a = node(x, { trainable: true });
    expectOp(ops.floorDivide(a, y), "floorDivide", q, ["x", "y"]);
    expectOp(ops.floorMod(a, y), "floorMod", r, ["x", "y"]);
    expectOp(ops.divmod(a, y), "divmod", [q, r], ["x", "y"]);
    expect(ops.divmod(a, y).inputs.x).toBe(a);
    expect(q * y + r).toBeCloseTo(x);
  });

  it("floorMod takes the divisor's sign while mod keeps JavaScript's remainder", () => {
    expect(ops.mod(-7, 3).data).toBe(-1);
    expect(ops.floorMod(-7, 3).data).toBe(2);
    expect(ops.mod(7, -3).data).toBe(1);
    expect(ops.floorMod(7, -3).data).toBe(-2);
    expect(Object.is(ops.floorMod(6, -3).data, -0)).toBe(true);
    expect(ops.floorMod(-5, Number.POSITIVE_INFINITY).data).toBe(Number.POSITIVE_INFINITY);
    expect(ops.floorDivide(-5, Number.POSITIVE_INFINITY).data).toBe(-1);
  });

  it("rounds the quotient the way Python does for floats (1 // 0.1 is 9)", () => {
    expect(ops.floorDivide(1, 0.1).data).toBe(9);
    expect(ops.floorMod(1, 0.1).data).toBeCloseTo(0.1);
  });

  it("keeps JavaScript's results for division by zero instead of raising", () => {
    expect(ops.floorDivide(1, 0).data).toBe(Number.POSITIVE_INFINITY);
    expect(ops.floorDivide(-1, 0).data).toBe(Number.NEGATIVE_INFINITY);
    expect(ops.floorDivide(0, 0).data).toBeNaN();
    expect(ops.floorMod(1, 0).data).toBeNaN();
    expect(ops.divmod(3, 0).data).toEqual([Number.POSITIVE_INFINITY, Number.NaN]);
  });
});

describe("trunc and pos", () => {
  it("trunc rounds toward zero", () => {
    expectOp(ops.trunc(node(-2.7)), "trunc", -2, ["x"]);
    expect(ops.trunc(2.7).data).toBe(2);
  });

  it("pos converts like unary plus and fails on a bigint", () => {
    expectOp(ops.pos(node("3")), "pos", 3, ["x"]);
    expect(ops.pos(true).data).toBe(1);
    expect(ops.pos(-4).data).toBe(-4);
    expect(opFailure(() => ops.pos(1n), "pos").exceptionNode.data).toMatch(/TypeError/);
  });
});

describe("bitwise operations", () => {
  it.each([
    ["lshift", () => ops.lshift(node(1), 4), 16],
    ["rshift", () => ops.rshift(node(-16), 2), -4],
    ["urshift", () => ops.urshift(node(-1), 0), 4294967295],
    ["bitAnd", () => ops.bitAnd(node(0b1100), 0b1010), 0b1000],
    ["bitOr", () => ops.bitOr(node(0b1100), 0b1010), 0b1110],
    ["bitXor", () => ops.bitXor(node(0b1100), 0b1010), 0b0110],
  ] as const)("%s on numbers", (name, build, value) => {
    expectOp(build(), name, value, ["x", "y"]);
  });

  it("bitNot flips every bit", () => {
    expectOp(ops.bitNot(node(5)), "bitNot", -6, ["x"]);
    expect(ops.bitNot(5n).data).toBe(-6n);
  });

  it("numbers are 32-bit integers as in JavaScript; bigints are exact", () => {
    expect(ops.lshift(1, 32).data).toBe(1);
    expect(ops.bitOr(2 ** 32 + 1, 0).data).toBe(1);
    expect(ops.lshift(1n, 40n).data).toBe(2n ** 40n);
    expect(ops.rshift(-(2n ** 40n), 38n).data).toBe(-4n);
    expect(ops.bitAnd(2n ** 40n + 3n, 6n).data).toBe(2n);
    expect(ops.bitXor(2n ** 40n, 1n).data).toBe(2n ** 40n + 1n);
  });

  it("mixing a number and a bigint is an InvalidOperandError inside an ExecutionError", () => {
    const err = opFailure(() => ops.bitAnd(node(1) as never, 1n as never), "bitAnd");
    expect(err.cause).toMatchObject({ code: "INVALID_OPERAND", name: "InvalidOperandError" });
    expect(err.exceptionNode.data).toMatch(/number and bigint/);
    expect(opFailure(() => ops.urshift(1n as never, 1n as never), "urshift").exceptionNode.data).toMatch(
      /bigint/,
    );
    expect(opFailure(() => ops.bitNot("1" as never), "bitNot").cause).toMatchObject({
      code: "INVALID_OPERAND",
    });
  });
});

describe("fluent arithmetic", () => {
  it("records the same operations", () => {
    const x = node(-7);
    expect(x.floorDivide(2).op).toBe("floorDivide");
    expect(x.floorDivide(2).data).toBe(-4);
    expect(x.floorMod(3).data).toBe(2);
    expect(x.divmod(2).data).toEqual([-4, 1]);
    expect(x.abs().power(2).data).toBe(49);
    expect(node(-2.5).trunc().data).toBe(-2);
    expect(node("8").pos().data).toBe(8);
    expect(node(1).lshift(3).bitOr(1).bitXor(3).bitAnd(6).rshift(1).data).toBe(1);
    expect(node(-8).urshift(28).data).toBe(15);
    expect(node(0).bitNot().data).toBe(-1);
    expect(node(1n).lshift(64n).data).toBe(2n ** 64n);
    const y = x.floorDivide(2);
    expect(y.inputs.x).toBe(x);
  });
});
