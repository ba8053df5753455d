import { describe, expect, it } from "@jest/globals";
import {
  backward,
  bundle,
  DecoratorUsageError,
  type MaybeNode,
  type MessageNode,
  Model,
  type Node,
  NotBundledError,
  node,
  ops,
  type ParameterNode,
  traced,
  UndeclaredDependencyError,
} from "@trace-ts/core";
import { exceptionOf, inputNames, inputValues } from "./helpers.js";

class Counter {
  count = 0;
  step = 2;

  @bundle()
  bump(by: number): number {
    this.count += by * this.step;
    return this.count;
  }

  @bundle({ trainable: true })
  describe(label: string): string {
    return `${label}=${this.count}`;
  }

  plain(x: number): number {
    return x;
  }
}

describe("@bundle methods", () => {
  it("methods read and mutate this; calls through traced() are typed and return nodes", () => {
    const c = new Counter();
    const t = traced(c);
    const by = node(3);
    const out: MessageNode<number> = t.bump(by);
    expect(out.data).toBe(6);
    expect(c.count).toBe(6);
    expect(out.op).toBe("bump");
    expect(out.inputs.by).toBe(by);
    expect(t.bump(1).data).toBe(8);
    expect(t.describe("n").data).toBe("n=8");
  });

  it("a direct call returns what its type says: the plain value, computed with the current code", () => {
    const c = new Counter();
    const out: number = c.bump(1);
    expect(out).toBe(2);
    expect(typeof out).toBe("number");
    // a node argument is read for its value; the result is still plain
    expect(c.bump(node(1) as unknown as number)).toBe(4);
    // after a rewrite, a direct call runs the new code (what a trained agent does in production)
    traced(c).describe.setSource("describe(label) {\n  return label.toUpperCase();\n}");
    expect(c.describe("done")).toBe("DONE");
    // comparing the result of a direct call works as a TypeScript user expects
    expect(c.describe("x") === "X").toBe(true);
  });

  it("a direct call that fails throws ExecutionError, like a traced one", () => {
    const c = new Counter();
    traced(c).describe.setSource("describe(label) {\n  return label.nope();\n}");
    expect(() => c.describe("x")).toThrow(/label.nope is not a function/);
    let thrown: unknown;
    try {
      c.describe("x");
    } catch (e) {
      thrown = e;
    }
    expect((thrown as { name: string }).name).toBe("ExecutionError");
  });

  it("an async @bundle method called directly resolves to the plain value", async () => {
    class Slow {
      @bundle()
      async twice(x: number): Promise<number> {
        return x * 2;
      }
    }
    const s = new Slow();
    const direct: number = await s.twice(3);
    expect(direct).toBe(6);
    const node6: MessageNode<number> = await traced(s).twice(3);
    expect(node6.data).toBe(6);
    expect(inputNames(node6)).toEqual(["x"]);
  });

  it("two instances get different code parameters with equal values", () => {
    const a = new Counter();
    const b = new Counter();
    const pa = traced(a).describe.parameter!;
    const pb = traced(b).describe.parameter!;
    expect(pa).not.toBe(pb);
    expect(pa.data).toBe(pb.data);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the string is source code
    expect(pa.data).toBe("describe(label) {\n  return `${label}=${this.count}`;\n}");
    expect(traced(a).describe("x").inputs.__code).toBe(pa);
    traced(a).describe.setSource("describe(label) {\n  return label.toUpperCase();\n}");
    expect(traced(a).describe("x").data).toBe("X");
    expect(traced(b).describe("x").data).toBe("x=0");
  });

  it("traced() refuses members that are not bundled", () => {
    const t = traced(new Counter()) as unknown as Record<string, () => unknown>;
    expect(() => t.plain).toThrow(NotBundledError);
    expect(() => t.missing).toThrow(/not a @bundle method/);
    expect("bump" in t).toBe(true);
    expect("plain" in t).toBe(false);
  });

  it("static and inherited methods, and overrides in subclasses", () => {
    class Base {
      @bundle()
      static make(x: number): number {
        return x * 10;
      }
      @bundle()
      greet(name: string): string {
        return `hi ${name}`;
      }
      @bundle()
      bye(name: string): string {
        return `bye ${name}`;
      }
    }
    class Child extends Base {
      @bundle({ description: "Overridden." })
      override greet(name: string): string {
        return `hey ${name}`;
      }
    }
    expect(traced(Base).make(2).data).toBe(20);
    const child = traced(new Child());
    expect(child.greet("a").data).toBe("hey a");
    expect(child.greet("a").description).toBe("[greet] Overridden.");
    expect(child.bye("a").data).toBe("bye a");
  });

  it("@bundle on a non-method is a clear error", () => {
    const decorate = bundle() as unknown as (v: unknown, c: unknown) => unknown;
    expect(() => decorate(undefined, { kind: "field", name: "x", metadata: {} })).toThrow(
      DecoratorUsageError,
    );
    expect(() => decorate(undefined, { kind: "field", name: "x", metadata: {} })).toThrow(
      /bundle\(function name/,
    );
  });
});

describe("recursion and nesting", () => {
  it("a bundled method calling itself is traced once at the top", () => {
    let calls = 0;
    class M {
      @bundle()
      fact(n: number): number {
        calls++;
        return n <= 1 ? 1 : n * this.fact(n - 1);
      }
    }
    const n = node(5);
    const out = traced(new M()).fact(n);
    expect(out.data).toBe(120);
    expect(calls).toBe(5);
    expect(out.parents).toEqual([n]);
    expect(n.children).toEqual([out]);
  });

  it("a bundle calling other bundles: one node for the outer call; inner calls keep their declared types", () => {
    const double = bundle(function double(x: number): number {
      return x * 2;
    });
    class Pipeline {
      @bundle()
      inc(x: number): number {
        return x + 1;
      }
      @bundle()
      run(x: number): number {
        // a @bundle method returns its plain value here; a bundle(fn) returns a (parentless) node
        const y = this.inc(x);
        return double(y).data + 1;
      }
    }
    const x = node(3);
    const out = traced(new Pipeline()).run(x);
    expect(out.data).toBe(9);
    expect(out.parents).toEqual([x]);
    expect(x.children).toEqual([out]);
  });

  it("a nested call through traced() returns a node, as the view's type says", () => {
    class Steps {
      @bundle()
      square(x: number): number {
        return x * x;
      }
      @bundle()
      sumOfSquares(a: number, b: number): number {
        const t = traced(this);
        return t.square(a).data + t.square(b).data;
      }
    }
    const a = node(3);
    const out = traced(new Steps()).sumOfSquares(a, 4);
    expect(out.data).toBe(25);
    expect(out.inputs.a).toBe(a);
  });

  it("errors of nested bundles are attributed to the outer bundle's line", () => {
    class P {
      @bundle()
      inner(x: number): number {
        if (x > 2) throw new Error(`inner got ${x}`);
        return x;
      }
      @bundle()
      outer(x: number): number {
        const y = x + 1;
        return this.inner(y);
      }
    }
    const ex = exceptionOf(() => traced(new P()).outer(5));
    expect(ex.op).toBe("outer");
    expect(ex.data).toBe("Error: inner got 6");
    expect(ex.annotatedSource).toMatch(/>> 3 \| +return this\.inner\(y\);/);
  });
});

describe("traceInside", () => {
  it("the body gets nodes and builds an inner graph; hidden parameters are still reached by backward", () => {
    class Agent {
      instruction = node("Be brief.", { trainable: true, name: "instruction" });
      @bundle({ traceInside: true })
      respond(question: Node<string>): MessageNode<string> {
        return ops.concat(ops.concat(this.instruction, " "), question);
      }
    }
    const agent = new Agent();
    const q = node("Why?");
    const out = traced(agent).respond(q);
    expect(out.data).toBe("Be brief. Why?");
    expect(out.inputs.question).toBe(q);
    expect(out.inputs.__dep0).toBe(agent.instruction);
    backward(out, "answer the question");
    expect(agent.instruction.feedback).toHaveLength(1);
    expect(agent.instruction.feedback[0]!.record.output).toBe(out);
  });

  it("plain values become constant input nodes, and a trainable traceInside body's code is an input", () => {
    const p = node(10, { trainable: true });
    const f = bundle(
      function weighted(x: MaybeNode<number>): MessageNode<number> {
        return ops.multiply(x, p);
      },
      { traceInside: true, trainable: true, scope: () => ({ ops, p }) },
    );
    const out = f(3);
    expect(out.data).toBe(30);
    expect(inputNames(out)).toEqual(["x", "__code", "__dep0"]);
    expect(out.inputs.__dep0).toBe(p);
    f.setSource("weighted(x) {\n  return ops.add(x, p);\n}");
    expect(f(3).data).toBe(13);
  });

  it("parameters upstream of an input are reached through the input, not listed as hidden", () => {
    const upstream = node("up", { trainable: true });
    const inside = node("in", { trainable: true });
    const f = bundle(
      function join2(x: Node<string>): MessageNode<string> {
        return ops.concat(x, inside);
      },
      { traceInside: true },
    );
    const x = ops.concat(upstream, "!");
    const out = f(x);
    expect(out.inputs.x).toBe(x);
    expect(Object.values(out.inputs)).toEqual([x, inside]);
    backward(out, "feedback");
    expect(upstream.feedback).toHaveLength(1);
    expect(inside.feedback).toHaveLength(1);
  });

  it("a failed inner operation's hidden parameters are inputs of the ExceptionNode", () => {
    const limit = node(1, { trainable: true }) as ParameterNode<number>;
    const check = bundle(function check(x: number, max: number): number {
      if (x > max) throw new Error(`${x} > ${max}`);
      return x;
    });
    const f = bundle(
      function guarded(x: Node<number>): MessageNode<number> {
        return check(x, limit);
      },
      { traceInside: true },
    );
    const ex = exceptionOf(() => f(5));
    expect(ex.op).toBe("guarded");
    expect(Object.values(ex.inputs)).toContain(limit);
    backward(ex, ex.errorFeedback());
    expect(limit.feedback).toHaveLength(1);
  });
});

describe("undeclared dependencies", () => {
  it("reading a node that was not passed in is an error that says what to do", () => {
    const hidden = node(5, { name: "hidden" });
    const f = bundle(function leak(x: number): number {
      return x + hidden.data;
    });
    expect(() => f(1)).toThrow(UndeclaredDependencyError);
    expect(() => f(1)).toThrow(/leak read hidden:\d+ without receiving it as an argument/);
    try {
      f(1);
    } catch (error) {
      expect((error as UndeclaredDependencyError).code).toBe("UNDECLARED_DEPENDENCY");
    }
  });

  it("with allowExternalDependencies the read is recorded as an extra input and backward reaches it", () => {
    const hidden = node(5, { trainable: true });
    const f = bundle(
      function leak(x: number): number {
        return x + hidden.data;
      },
      { allowExternalDependencies: true },
    );
    const out = f(1);
    expect(out.data).toBe(6);
    expect(inputValues(out)).toEqual({ x: 1, __dep0: 5 });
    backward(out, "lower");
    expect(hidden.feedback).toHaveLength(1);
  });

  it("nodes made inside the body, and nodes passed in, are not dependencies", () => {
    const f = bundle(function local(x: number): number {
      const tmp = ops.add(x, 1);
      return tmp.data * 2;
    });
    expect(f(node(2)).data).toBe(6);
  });

  it("returning an outside node counts as a dependency", () => {
    const outside = node("kept");
    const f = bundle(function pass(_x: number): Node<string> {
      return outside;
    });
    expect(() => f(1)).toThrow(UndeclaredDependencyError);
  });

  it("a model's own parameters used by a non-traceInside method must be passed in", () => {
    class Greeter extends Model {
      greeting = node("hello", { trainable: true });
      @bundle()
      greetBad(name: string): string {
        return `${this.greeting.data} ${name}`;
      }
      @bundle()
      greetGood(greeting: string, name: string): string {
        return `${greeting} ${name}`;
      }
    }
    const g = new Greeter();
    expect(() => traced(g).greetBad("bob")).toThrow(UndeclaredDependencyError);
    const out = traced(g).greetGood(g.greeting, "bob");
    expect(out.data).toBe("hello bob");
    expect(out.inputs.greeting).toBe(g.greeting);
  });
});

describe("direct calls record nothing", () => {
  it("leaves its node arguments without children (no link, no input constants)", () => {
    class Echo {
      @bundle()
      shout(text: string): string {
        return text.toUpperCase();
      }
    }
    const e = new Echo();
    const input = node("hi");
    expect(e.shout(input as unknown as string)).toBe("HI");
    expect(input.children).toEqual([]);
    // a traced call of the same method does link it
    traced(e).shout(input);
    expect(input.children).toHaveLength(1);
  });
});
