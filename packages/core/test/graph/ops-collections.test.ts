import { describe, expect, it } from "@jest/globals";
import { node, ops } from "@trace-ts/core";
import { expectOp, opFailure } from "./helpers/op-checks.js";

describe("pop", () => {
  it("returns the last element by default and leaves the array unchanged", () => {
    const list = node([1, 2, 3], { trainable: true });
    const out = ops.pop(list);
    expectOp(out, "pop", 3, ["container", "key"]);
    expect(out.inputs.container).toBe(list);
    expect(out.inputs.key!.data).toBeNull();
    expect(list.data).toEqual([1, 2, 3]);
  });

  it("takes an index (negative from the end) or a key", () => {
    expect(ops.pop([1, 2, 3], 0).data).toBe(1);
    expect(ops.pop([1, 2, 3], -2).data).toBe(2);
    const map = new Map([["k", "v"]]);
    expect(ops.pop(map, "k").data).toBe("v");
    expect(map.size).toBe(1);
    expect(ops.pop({ a: 1, b: 2 }, "b").data).toBe(2);
  });

  it.each([
    ["an empty array", () => ops.pop([]), "ITEM_NOT_FOUND"],
    ["an index out of range", () => ops.pop([1], 1), "ITEM_NOT_FOUND"],
    ["a negative index out of range", () => ops.pop([1], -2), "ITEM_NOT_FOUND"],
    ["a missing Map key", () => ops.pop(new Map([["a", 1]]), "b"), "ITEM_NOT_FOUND"],
    ["a missing object key", () => ops.pop({ a: 1 } as Record<string, number>, "b"), "ITEM_NOT_FOUND"],
    ["an inherited object key", () => ops.pop({} as Record<string, unknown>, "toString"), "ITEM_NOT_FOUND"],
    ["a fractional index", () => ops.pop([1, 2], 0.5), "INVALID_OPERAND"],
    ["no key for an object", () => ops.pop({ a: 1 } as never), "INVALID_OPERAND"],
    ["a number", () => ops.pop(5 as never, 0), "INVALID_OPERAND"],
  ])("fails on %s", (_name, build, code) => {
    expect(opFailure(build, "pop").cause).toMatchObject({ code });
  });
});

describe("extend, insert, remove, update (copy semantics)", () => {
  it("extend appends the items of any iterable", () => {
    const list = node([1]);
    expectOp(ops.extend(list, [2, 3]), "extend", [1, 2, 3], ["list", "items"]);
    expect(ops.extend(["a"], "bc").data).toEqual(["a", "b", "c"]);
    expect(ops.extend([0], new Set([1, 2])).data).toEqual([0, 1, 2]);
    expect(list.data).toEqual([1]);
    expect(opFailure(() => ops.extend([1], 5 as never), "extend").cause).toMatchObject({
      code: "INVALID_OPERAND",
    });
  });

  it("insert places the item before the index, clamping like Python", () => {
    const list = node(["a", "b", "c"]);
    expectOp(ops.insert(list, 1, "x"), "insert", ["a", "x", "b", "c"], ["list", "index", "item"]);
    expect(ops.insert(list, -1, "x").data).toEqual(["a", "b", "x", "c"]);
    expect(ops.insert(list, 10, "x").data).toEqual(["a", "b", "c", "x"]);
    expect(ops.insert(list, -10, "x").data).toEqual(["x", "a", "b", "c"]);
    expect(list.data).toEqual(["a", "b", "c"]);
    expect(opFailure(() => ops.insert(list, 1.5, "x"), "insert").cause).toMatchObject({
      code: "INVALID_OPERAND",
    });
  });

  it("remove drops the first element equal by content, and fails when there is none", () => {
    const list = node([{ a: 1 }, { a: 2 }, { a: 1 }]);
    expectOp(ops.remove(list, { a: 1 }), "remove", [{ a: 2 }, { a: 1 }], ["list", "item"]);
    expect(list.data).toHaveLength(3);
    expect(opFailure(() => ops.remove(list, { a: 3 }), "remove").cause).toMatchObject({
      code: "ITEM_NOT_FOUND",
    });
  });

  it("update merges objects and Maps without changing the container", () => {
    const obj = node<Record<string, number>>({ a: 1, b: 2 });
    expectOp(ops.update(obj, { b: 3, c: 4 }), "update", { a: 1, b: 3, c: 4 }, ["container", "other"]);
    expect(obj.data).toEqual({ a: 1, b: 2 });
    const map = new Map([["a", 1]]);
    expect(ops.update(map, new Map([["b", 2]])).data).toEqual(
      new Map([
        ["a", 1],
        ["b", 2],
      ]),
    );
    expect(ops.update(map, [["a", 5]] as const).data).toEqual(new Map([["a", 5]]));
    expect(ops.update(map, { c: 3 }).data).toEqual(
      new Map([
        ["a", 1],
        ["c", 3],
      ]),
    );
    expect(map.size).toBe(1);
    const withProto = ops.update({}, [["__proto__", 1]] as never).data as object;
    expect(Object.keys(withProto)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(withProto)).toBe(Object.prototype);
    expect(opFailure(() => ops.update([1] as never, {}), "update").cause).toMatchObject({
      code: "INVALID_OPERAND",
    });
    expect(opFailure(() => ops.update({}, [[{}, 1]] as never), "update").cause).toMatchObject({
      code: "INVALID_OPERAND",
    });
  });
});

describe("set operations", () => {
  it("addToSet and discard return new Sets", () => {
    const s = node(new Set([1, 2]));
    expectOp(ops.addToSet(s, 3), "addToSet", new Set([1, 2, 3]), ["set", "item"]);
    expectOp(ops.discard(s, 1), "discard", new Set([2]), ["set", "item"]);
    expect(ops.discard(s, 9).data).toEqual(new Set([1, 2]));
    expect(s.data).toEqual(new Set([1, 2]));
    expect(ops.addToSet(new Set([{ a: 1 }]), { a: 1 }).data.size).toBe(1);
    expect(ops.discard(new Set([[1]]), [1]).data.size).toBe(0);
  });

  it("union, intersection and difference accept Sets and arrays", () => {
    expectOp(ops.union(node(new Set([1, 2])), [2, 3]), "union", new Set([1, 2, 3]), ["x", "y"]);
    expectOp(ops.intersection(node([1, 2, 3, 2]), new Set([3, 2])), "intersection", new Set([2, 3]), [
      "x",
      "y",
    ]);
    expectOp(ops.difference(node([1, 2, 3]), [2]), "difference", new Set([1, 3]), ["x", "y"]);
    expect([...ops.intersection([3, 1, 2], [1, 3]).data]).toEqual([3, 1]);
    expect(opFailure(() => ops.union("ab" as never, [1]), "union").cause).toMatchObject({
      code: "INVALID_OPERAND",
    });
  });
});

describe("constructors", () => {
  it("makeList records one input per item", () => {
    const a = node("a", { trainable: true });
    const out = ops.makeList(a, 2, node(true));
    expectOp(out, "makeList", ["a", 2, true], ["items_0", "items_1", "items_2"]);
    expect(out.inputs.items_0).toBe(a);
    expect(ops.makeList().data).toEqual([]);
  });

  it("makeDict names each input after its key", () => {
    const q = node("why?");
    const out = ops.makeDict({ question: q, n: 3 });
    expectOp(out, "makeDict", { question: "why?", n: 3 }, ["question", "n"]);
    expect(out.inputs.question).toBe(q);
  });

  it("makeSet keeps repeats once", () => {
    expectOp(ops.makeSet(node(1), 2, 1), "makeSet", new Set([1, 2]), ["items_0", "items_1", "items_2"]);
  });

  it("toList and toTuple read arrays, strings, Sets, Maps and iterables", () => {
    const source = [1, 2];
    const list = ops.toList(node(source));
    expectOp(list, "toList", [1, 2], ["x"]);
    expect(list.data).not.toBe(source);
    expect(ops.toList("a😀").data).toEqual(["a", "😀"]);
    expect(ops.toList(new Set(["x"])).data).toEqual(["x"]);
    expect(ops.toList(new Map([["k", 1]])).data).toEqual([["k", 1]]);
    expect(ops.toList(new Map([["k", 1]]).keys()).data).toEqual(["k"]);
    const tuple = ops.toTuple(node([1, 2]));
    expectOp(tuple, "toTuple", [1, 2], ["x"]);
    expect(Object.isFrozen(tuple.data)).toBe(true);
    expect(opFailure(() => ops.toList({ a: 1 }), "toList").cause).toMatchObject({ code: "INVALID_OPERAND" });
    expect(opFailure(() => ops.toTuple(3), "toTuple").cause).toMatchObject({ code: "INVALID_OPERAND" });
  });
});

describe("fluent collection methods", () => {
  it("record the same operations", () => {
    const list = node([3, 1, 2]);
    expect(list.pop().data).toBe(2);
    expect(list.pop(0).op).toBe("pop");
    expect(list.extend([4]).insert(0, 0).remove(1).data).toEqual([0, 3, 2, 4]);
    expect(node({ a: 1 }).update({ b: 2 }).data).toEqual({ a: 1, b: 2 });
    expect(node({ a: 1 }).pop("a").data).toBe(1);
    expect(node(new Set(["s"])).toList().data).toEqual(["s"]);
    expect(node("ab").toList().data).toEqual(["a", "b"]);
    expect(list.data).toEqual([3, 1, 2]);
  });
});
