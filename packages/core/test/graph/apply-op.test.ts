// applyOp: an operation applied elementwise over arrays, plain objects and Maps walked together,
// other arguments used in every call; containers that differ in shape are rejected.
import { describe, expect, it } from "@jest/globals";
import {
  applyOp,
  graphScope,
  type MaybeNode,
  MessageNode,
  type Node,
  node,
  ops,
  TraceError,
} from "@trace-ts/core";
import { ContainerShapeError } from "@trace-ts/core/graph";

function shapeError(fn: () => unknown): ContainerShapeError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ContainerShapeError) return error;
    throw error;
  }
  throw new Error("expected a ContainerShapeError");
}

// ops.add is overloaded, and TypeScript infers from an overloaded function's last signature
// (string concatenation); an arrow function with the types in use gives exact result types.
const add = (x: MaybeNode<number>, y: MaybeNode<number>): MessageNode<number> => ops.add(x, y);

const traced = (value: unknown): MessageNode<unknown> => {
  expect(value).toBeInstanceOf(MessageNode);
  return value as MessageNode<unknown>;
};

describe("applyOp", () => {
  it("over arrays with ops.add: traced nodes whose parents are the elements", () =>
    graphScope(() => {
      const xs = [node(1), node(2), node(3)];
      const ys = [node(10), node(20), node(30)];
      const result: unknown = applyOp(ops.add, xs, ys);
      expect(Array.isArray(result)).toBe(true);
      const out = result as Node<number>[];
      expect(out).toHaveLength(3);
      out.forEach((n, i) => {
        expect(n.data).toBe((i + 1) * 11);
        expect(new Set(traced(n).parents)).toEqual(new Set([xs[i], ys[i]]));
      });
    }));

  it("passes values and nodes that are not containers to every call", () =>
    graphScope(() => {
      const ten = node(10);
      const xs = [node(1), node(2)];
      const out = applyOp(add, xs, ten) as Node<number>[];
      expect(out.map((n) => n.data)).toEqual([11, 12]);
      for (const [i, n] of out.entries()) expect(new Set(traced(n).parents)).toEqual(new Set([xs[i], ten]));
      expect((applyOp(add, 5, [1, 2]) as Node<number>[]).map((n) => n.data)).toEqual([6, 7]);
      // a node holding an array is a leaf, not a container
      const arrayNode = node([1, 2]);
      const seen: unknown[] = [];
      applyOp((x: unknown) => seen.push(x), [arrayNode, arrayNode]);
      expect(seen).toEqual([arrayNode, arrayNode]);
    }));

  it("over plain objects (the first one's key order) and Maps", () =>
    graphScope(() => {
      const obj = applyOp(add, { a: node(1), b: node(2) }, { b: node(20), a: node(10) }) as Record<
        string,
        Node<number>
      >;
      expect(Object.keys(obj)).toEqual(["a", "b"]);
      expect(obj.a!.data).toBe(11);
      expect(obj.b!.data).toBe(22);
      const key = { id: 1 };
      const map = applyOp(
        add,
        new Map<unknown, Node<number>>([
          ["x", node(1)],
          [key, node(2)],
        ]),
        new Map<unknown, number>([
          [key, 200],
          ["x", 100],
        ]),
      );
      expect(map).toBeInstanceOf(Map);
      expect([...map.keys()]).toEqual(["x", key]);
      expect(map.get("x")!.data).toBe(101);
      expect(map.get(key)!.data).toBe(202);
    }));

  it("nested containers, with scalars broadcast inside them", () =>
    graphScope(() => {
      const out = applyOp(
        add,
        { pairs: [node(1), node(2)], scalar: node(3) },
        { pairs: [10, 20], scalar: [100, 200] },
      ) as { pairs: MessageNode<number>[]; scalar: MessageNode<number>[] };
      expect(out.pairs.map((n) => n.data)).toEqual([11, 22]);
      expect(out.scalar.map((n) => n.data)).toEqual([103, 203]);
    }));

  it("with no container argument it is op(...args)", () =>
    graphScope(() => {
      const x = node(2);
      const out = applyOp(ops.add, x, 3);
      expect(traced(out).data).toBe(5);
      expect(applyOp((a: number, b: number) => a * b, 6, 7)).toBe(42);
      // an instance of a class is a leaf
      class Box {
        v = 1;
      }
      const box = new Box();
      expect(applyOp((b: Box) => b, box)).toBe(box);
    }));

  it("rejects containers of another length, keys or kind, naming the path and both shapes", () => {
    const lengths = shapeError(() => applyOp((a: number, b: number) => a + b, [1, 2, 3], [1, 2]));
    expect(lengths).toBeInstanceOf(TraceError);
    expect(lengths.code).toBe("CONTAINER_SHAPE_MISMATCH");
    expect(lengths.path).toBe("(top level)");
    expect(lengths.expected).toBe("argument 0: an array of length 3");
    expect(lengths.actual).toBe("argument 1: an array of length 2");
    expect(lengths.message).toMatch(
      /at \(top level\): argument 0: an array of length 3, but argument 1: an array of length 2/,
    );

    const nested = shapeError(() =>
      applyOp(
        (a: number, b: number) => a + b,
        0,
        { w: [[1], { "odd key": [1, 2] }] },
        { w: [[2], { "odd key": [3] }] },
      ),
    );
    expect(nested.path).toBe('w[1]["odd key"]');
    expect(nested.expected).toBe("argument 1: an array of length 2");
    expect(nested.actual).toBe("argument 2: an array of length 1");

    const keys = shapeError(() => applyOp((a: number) => a, { a: 1, b: 2 }, { a: 1, c: 2 }));
    expect(keys.expected).toBe('argument 0: an object with keys "a", "b"');
    expect(keys.actual).toBe('argument 1: an object with keys "a", "c"');

    const kinds = shapeError(() => applyOp((a: number) => a, [1], new Map([[0, 1]])));
    expect(kinds.actual).toBe("argument 1: a Map with keys 0");

    const mapKeys = shapeError(() =>
      applyOp((a: number) => a, { m: new Map([["k", 1]]) }, { m: new Map([["j", 1]]) }),
    );
    expect(mapKeys.path).toBe("m");
    const deeper = shapeError(() =>
      applyOp((a: number) => a, new Map([["k", [1]]]), new Map([["k", [1, 2]]])),
    );
    expect(deeper.path).toBe('.get("k")');
  });

  it("rejects a container that contains itself instead of recursing forever", () => {
    const loop: unknown[] = [1];
    loop.push(loop);
    const error = shapeError(() => applyOp((a: unknown) => a, loop));
    expect(error.path).toBe("[1]");
    expect(error.actual).toBe("it contains itself");
  });
});
