import { describe, expect, it } from "@jest/globals";
import {
  backward,
  bundle,
  MessageNode,
  type Node,
  node,
  noTrace,
  ops,
  toData,
  UndeclaredDependencyError,
} from "@trace-ts/core";
import { holdsNodes } from "@trace-ts/core/graph";
import { opFailure } from "./helpers/op-checks.js";

const inputNames = (n: Node): string[] => Object.keys((n as MessageNode).inputs);

describe("nodes inside containers are unwrapped, and become parents", () => {
  it("a bundle gets the values of nodes in an array, and each node is an input", () => {
    const a = node(1);
    const b = node(2);
    const sum = bundle((l: number[]) => l[0]! + l[1]!);
    const out = sum([a, b]);
    expect(out.data).toBe(3);
    expect(out.parents).toEqual(expect.arrayContaining([a, b]));
    expect(out.inputs["l[0]"]).toBe(a);
    expect(out.inputs["l[1]"]).toBe(b);
    // the constant for the container holds the values, not the nodes
    expect(out.inputs.l!.data).toEqual([1, 2]);
  });

  it("feedback reaches nodes that were passed inside a container", () => {
    const p = node("hello", { trainable: true });
    const out = bundle((m: { text: string }[]) => m.map((x) => x.text).join(" "))([
      { text: p },
      { text: "x" },
    ]);
    expect(out.data).toBe("hello x");
    expect(out.inputs["m[0].text"]).toBe(p);
    backward(out, "too short");
    expect(p.feedback).toHaveLength(1);
    expect(JSON.stringify(p.feedback[0]!.value)).toContain("too short");
  });

  it("an operation sees values inside a node's value and records the nodes inside", () => {
    const inner = node(1);
    const outer = node([inner]);
    const item = ops.getItem(outer, 0);
    expect(item.data).toBe(1);
    expect(item.parents).toEqual(expect.arrayContaining([outer, inner]));
    expect(inputNames(item)).toEqual(["container", "key", "container[0]"]);
  });

  it("join of nodes joins their values", () => {
    expect(ops.join([node("a"), node("b")], "-").data).toBe("a-b");
  });

  it("getAttr of a field holding a node gives its value, for plain objects and class instances", () => {
    const prompt = node("be brief");
    expect(ops.getAttr(node({ prompt }), "prompt").data).toBe("be brief");
    class Agent {
      prompt = prompt;
    }
    const viaClass = ops.getAttr(node(new Agent()), "prompt");
    expect(viaClass.data).toBe("be brief");
    expect(viaClass.parents).toContain(prompt);
  });

  it("finds nodes at any depth: nested objects, Map keys and values, Set members", () => {
    const k = node("key");
    const v = node(7);
    const s = node("member");
    const out = ops.identity({ deep: [{ map: new Map([[k, v]]) }], set: new Set([s]) });
    const data = out.data as unknown as { deep: { map: Map<string, number> }[]; set: Set<string> };
    expect([...data.deep[0]!.map]).toEqual([["key", 7]]);
    expect([...data.set]).toEqual(["member"]);
    expect(inputNames(out)).toEqual([
      "x",
      'x.deep[0].map.key("key")',
      'x.deep[0].map.get("key")',
      "x.set{#0}",
    ]);
  });

  it("records a node once however often it appears, and not again when it is a direct input", () => {
    const a = node(2);
    const out = ops.add(a, ops.identity([a, a, { again: a }]).data.length);
    expect(out.parents).toEqual([a, expect.anything()]);
    const twice = ops.identity([a, [a]]);
    expect(inputNames(twice)).toEqual(["x", "x[0]"]);
    const direct = ops.concat(a, [a]);
    expect(inputNames(direct)).toEqual(["x", "y"]);
  });

  it("copies only containers that hold nodes, and never changes the input", () => {
    const plain = [1, { a: 2 }];
    expect(ops.identity(plain).data).toBe(plain);
    const shared = { a: 1 };
    const mixed = [node(1), shared];
    const out = ops.identity(mixed).data as unknown[];
    expect(out).not.toBe(mixed);
    expect(out[1]).toBe(shared); // the branch without nodes is not copied
    expect(mixed[0]).toBeInstanceOf(Object.getPrototypeOf(node(0)).constructor);
  });

  it("objects of other classes are not searched", () => {
    class Box {
      constructor(readonly inner: Node<number>) {}
    }
    const box = new Box(node(1));
    const out = ops.identity([box]);
    expect((out.data as Box[])[0]).toBe(box);
    expect(holdsNodes([box])).toBe(false);
  });

  it("a bundle's returned container of nodes becomes plain values", () => {
    const a = node(3);
    const out = bundle(() => ({ list: [a], nested: { value: a } }), { allowExternalDependencies: true })();
    expect(out.data).toEqual({ list: [3], nested: { value: 3 } });
    expect(out.parents).toContain(a);
  });

  it("inside a bundle body, nodes in containers passed on are reads: hidden ones are undeclared", () => {
    const hidden = node(5);
    const inner = bundle((l: number[]) => l[0]! + 1);
    const outer = bundle((x: number) => inner([hidden, x]).data);
    expect(() => outer(1)).toThrow(UndeclaredDependencyError);
  });

  it("unwraps while not tracing too (values only, no graph)", () => {
    const out = noTrace(() => ops.join([node("a"), node("b")], ""));
    expect(out.data).toBe("ab");
    expect(out.parents).toEqual([]);
  });
});

describe("toData", () => {
  it("unwraps nodes at any depth and returns values without nodes as they are", () => {
    const plain = { a: [1, 2] };
    expect(toData(plain)).toBe(plain);
    expect(toData(node(node(3)))).toBe(3);
    const data = toData({ list: [node(1), { b: node("x") }], map: new Map([[node("k"), node(2)]]) });
    expect(data.list).toEqual([1, { b: "x" }]);
    expect([...data.map]).toEqual([["k", 2]]);
    const typed: { list: (number | { b: string })[] } = data; // the type follows the values
    expect(typed.list.length).toBe(2);
  });

  it("leaves cycles as they are instead of looping", () => {
    const cyclic: unknown[] = [node(1)];
    cyclic.push(cyclic);
    const out = toData(cyclic) as unknown[];
    expect(out[0]).toBe(1);
    expect(out[1]).toBe(cyclic);
  });

  it("does not make nodes iterable (jest, spread and Array.from do not walk nodes)", () => {
    const x = node([1, 2, 3]);
    expect(Symbol.iterator in x).toBe(false);
    expect(x).toEqual(x);
  });
});

describe("getAttr methods and calling methods", () => {
  class Counter {
    constructor(public count: number) {}
    add(n: number): number {
      this.count += n;
      return this.count;
    }
  }

  it("getAttr returns a bound method whose call is traced with the object as a parent", () => {
    const obj = node(new Counter(1));
    const add = ops.getAttr(obj, "add");
    const two = node(2);
    const out = ops.call(add, two);
    expect(out.data).toBe(3);
    expect(out.inputs.this).toBe(obj);
    expect(out.inputs.args_0).toBe(two);
    expect(out.parents).toEqual(expect.arrayContaining([obj, add, two]));
  });

  it("callMethod calls a method of the value with the object as a direct input", () => {
    const obj = node(new Counter(10));
    const out = ops.callMethod(obj, "add", node(5));
    expect(out.data).toBe(15);
    expect(out.inputs.obj).toBe(obj);
    expect(inputNames(out)).toEqual(["obj", "name", "args_0"]);
  });

  it("calling a missing method fails as a recorded ExecutionError", () => {
    const obj = node({ a: 1 } as Record<string, unknown>);
    const error = opFailure(() => ops.callMethod(obj as never, "nope" as never), "callMethod");
    expect(String(error.exceptionNode.data)).toMatch(/no method 'nope'/);
  });
});

describe("ops.items: explicit traced iteration", () => {
  it("iterates an array: each item is getItem(x, i)", () => {
    const list = node(["a", "b"]);
    const seen = [...ops.items(list)];
    expect(seen.map((n) => n.data)).toEqual(["a", "b"]);
    expect(seen.every((n) => n.op === "getItem" && n.parents.includes(list))).toBe(true);
  });

  it("iterates strings, Sets, Maps and objects", () => {
    expect([...ops.items(node("hi"))].map((c) => c.data)).toEqual(["h", "i"]);
    expect([...ops.items(node(new Set([1, 2])))].map((c) => c.data)).toEqual([1, 2]);
    const map = node(new Map([["x", 1]]));
    const [[key, value]] = [...ops.items(map)] as [MessageNode<string>, MessageNode<number>][];
    expect([key!.data, value!.data]).toEqual(["x", 1]);
    expect(value!.parents).toEqual(expect.arrayContaining([map, key]));
    const entries = [...ops.items(node({ a: 1, b: 2 }))].map(([k, v]) => [k.data, v.data]);
    expect(entries).toEqual([
      ["a", 1],
      ["b", 2],
    ]);
  });

  it("makes items only as the loop asks for them", () => {
    const list = node([1, 2, 3, 4]);
    for (const item of ops.items(list)) {
      if (item.data === 2) break;
    }
    expect(list.children.filter((c) => (c as MessageNode).op === "getItem")).toHaveLength(2);
  });

  it("a value that cannot be iterated fails as an ExecutionError recorded as `items`", () => {
    const error = opFailure(() => ops.items(node(42)), "items");
    expect(String(error.exceptionNode.data)).toMatch(/InvalidOperandError: items\(\): needs an array/);
  });
});

describe("traceInside calls keep their inner graph", () => {
  it("stores the inner output and the external dependencies, and a node lists its parameters", () => {
    const hidden = node(10, { trainable: true, name: "hidden" });
    const scale = bundle((x: Node<number>) => ops.multiply(x, hidden), {
      traceInside: true,
      scope: () => ({ ops, hidden }),
    });
    const given = node(2, { trainable: true, name: "given" });
    const out = scale(given);
    expect(out.data).toBe(20);
    const inner = out.info.output as MessageNode;
    expect(inner).toBeInstanceOf(MessageNode);
    expect(inner.op).toBe("multiply");
    expect(out.info.externalDependencies).toEqual([hidden]);
    const top = ops.add(out, 1);
    expect(top.parameterDependencies()).toEqual([hidden, given]);
    expect(top.expandableDependencies()).toEqual([out]);
  });
});

describe("holdsNodes", () => {
  it("ends on cycles without nodes, deep or shallow", () => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(holdsNodes(loop)).toBe(false);
    let deep: unknown[] = [];
    const bottom = deep;
    for (let i = 0; i < 40; i++) deep = [deep];
    bottom.push(deep); // a cycle forty levels down
    expect(holdsNodes(deep)).toBe(false);
    bottom.push(node(1));
    expect(holdsNodes(deep)).toBe(true);
  });
});

describe("fluent call, items and detach", () => {
  class Greeter {
    constructor(readonly greeting: string) {}
    greet(name: string): string {
      return `${this.greeting}, ${name}`;
    }
  }

  it("x.call(name, ...args) calls a method of the value; on a function node it calls the function", () => {
    const g = node(new Greeter("Hi"));
    const out = g.call("greet", node("Ann"));
    expect(out.data).toBe("Hi, Ann");
    expect(out.op).toBe("callMethod");
    expect(out.inputs.obj).toBe(g);
    const fn = node((a: number, b: number) => a * b);
    const product = fn.call(3, node(4));
    expect(product.data).toBe(12);
    expect(product.op).toBe("call");
  });

  it("x.items() iterates like ops.items", () => {
    const list = node([1, 2]);
    expect([...list.items()].map((i) => i.data)).toEqual([1, 2]);
  });

  it("detach() gives a parentless, untrainable node with nodes inside replaced", () => {
    const p = node({ a: 1 }, { trainable: true, name: "config" });
    const derived = ops.identity(p);
    const cut = derived.detach();
    expect(cut.parents).toEqual([]);
    expect(cut.trainable).toBe(false);
    expect(cut.data).toBe(p.data); // shared, not copied
    expect(cut.name.startsWith("identity:")).toBe(true);
    const holder = node([node(5)]);
    expect(holder.detach().data).toEqual([5]);
  });
});
