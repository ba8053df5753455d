import { describe, expect, it } from "@jest/globals";
import {
  backward,
  bundle,
  DecoratorUsageError,
  ExecutionError,
  graphScope,
  InvalidOptionError,
  type MessageNode,
  MessageNode as MessageNodeClass,
  node,
  noTrace,
  ops,
  problemView,
} from "@trace-ts/core";
import { exceptionOf, inputNames, inputValues } from "./helpers.js";

describe("bundle(fn): inputs and outputs", () => {
  it("returns a MessageNode named after the function whose inputs are its parameters", () =>
    graphScope(() => {
      const add = bundle(function add(a: number, b: number): number {
        return a + b;
      });
      const x = node(1);
      const out: MessageNode<number> = add(x, 2);
      expect(out).toBeInstanceOf(MessageNodeClass);
      expect(out.data).toBe(3);
      expect(out.op).toBe("add");
      expect(out.name).toBe("add:0");
      expect(inputNames(out)).toEqual(["a", "b"]);
      expect(out.inputs.a).toBe(x);
      expect(out.inputs.b!.data).toBe(2);
      expect(out.parents).toHaveLength(2);
    }));

  it("applies default values and records them as inputs", () => {
    const scale = bundle(function scale(x: number, factor = 3, offset = factor * 2): number {
      return x * factor + offset;
    });
    const out = scale(2);
    expect(out.data).toBe(12);
    expect(inputValues(out)).toEqual({ x: 2, factor: 3, offset: 6 });
    const given = scale(2, 10);
    expect(inputValues(given)).toEqual({ x: 2, factor: 10, offset: 20 });
    expect(given.data).toBe(40);
  });

  it("evaluates defaults once, with this, and with names from the scope", () => {
    let counter = 0;
    const next = (): number => ++counter;
    const BASE = 5;
    const tag = bundle(
      function tag(this: { prefix: string }, id: number = next(), label = `${this.prefix}-${BASE}`): string {
        return `${label}:${id}`;
      },
      { scope: () => ({ next, BASE }) },
    );
    const out = tag.call({ prefix: "p" });
    expect(out.data).toBe("p-5:1");
    expect(counter).toBe(1);
    expect(inputValues(out)).toEqual({ id: 1, label: "p-5" });
  });

  it("names rest arguments args_0, args_1… and mixes nodes and plain values", () => {
    const sum = bundle(function sum(first: number, ...rest: number[]): number {
      return rest.reduce((s, v) => s + v, first);
    });
    const two = node(2);
    const out = sum(1, two, 3, node(4));
    expect(out.data).toBe(10);
    expect(inputNames(out)).toEqual(["first", "rest_0", "rest_1", "rest_2"]);
    expect(out.inputs.rest_0).toBe(two);
    expect(inputValues(out)).toEqual({ first: 1, rest_0: 2, rest_1: 3, rest_2: 4 });
    expect(inputNames(sum(1))).toEqual(["first"]);
  });

  it("names destructured parameters arg<i> and surplus arguments by position", () => {
    const f = bundle(function f({ a, b }: { a: number; b: number }, [c]: number[]): number {
      return a + b + c!;
    });
    const out = f({ a: 1, b: 2 }, [3]);
    expect(out.data).toBe(6);
    expect(inputNames(out)).toEqual(["arg0", "arg1"]);
    const g = bundle(function g(x: number): number {
      // biome-ignore lint/complexity/noArguments: reading surplus arguments is the point
      return x + (arguments[1] as number);
    });
    const surplus = (g as unknown as (...a: number[]) => MessageNode<number>)(1, 2);
    expect(surplus.data).toBe(3);
    expect(inputNames(surplus)).toEqual(["x", "arg1"]);
  });

  it("works with arrow functions and takes the name option", () => {
    const double = bundle((x: number) => x * 2, { name: "double" });
    expect(double(node(4)).op).toBe("double");
    const inferred = bundle((s: string) => s.length);
    expect(inferred("abc").op).toBe("bundle");
    const named = ((): ((s: string) => number) => {
      const measure = (s: string): number => s.length;
      return measure;
    })();
    expect(bundle(named)("abcd").op).toBe("measure");
  });

  it("uses the description option as the operation's documentation", () => {
    const f = bundle(
      function classify(text: string): string {
        return text.length > 3 ? "long" : "short";
      },
      { description: "Labels a text as long or short." },
    );
    const out = f("hello");
    expect(out.description).toBe("[classify] Labels a text as long or short.");
    const g = bundle(function plain(a: number, b = 1): number {
      return a + b;
    });
    expect(g(1).description).toBe("[plain] Calls plain(a, b).");
  });

  it("a returned tuple can be indexed with ops.getItem", () => {
    const divmod = bundle(function divmod(a: number, b: number): [number, number] {
      return [Math.floor(a / b), a % b];
    });
    const out = divmod(node(17), 5);
    const q = ops.getItem(out, 0);
    const r = ops.getItem(out, 1);
    expect([q.data, r.data]).toEqual([3, 2]);
    expect(q.parents).toContain(out);
  });

  it("inside noTrace the result has no parents", () => {
    const add = bundle(function add(a: number, b: number): number {
      return a + b;
    });
    const x = node(1);
    const out = noTrace(() => add(x, 2));
    expect(out.data).toBe(3);
    expect(out.parents).toEqual([]);
    expect(out.inputs).toEqual({});
  });

  it("backward reaches the inputs of a bundled call", () => {
    const p = node("be brief", { trainable: true });
    const f = bundle(function respond(prompt: string, q: string): string {
      return `${prompt}: ${q}`;
    });
    const out = f(p, "why?");
    backward(out, "too short");
    expect(p.feedback).toHaveLength(1);
  });
});

describe("bundle(fn): errors", () => {
  it("turns a throw into an ExceptionNode whose parents are the inputs, thrown as ExecutionError", () => {
    const f = bundle(function parse(text: string): number {
      const n = Number(text);
      if (Number.isNaN(n)) throw new TypeError(`not a number: ${text}`);
      return n;
    });
    const x = node("abc");
    const ex = exceptionOf(() => f(x));
    expect(ex.op).toBe("parse");
    expect(ex.data).toBe("TypeError: not a number: abc");
    expect(ex.inputs.text).toBe(x);
    expect(ex.error).toBeInstanceOf(TypeError);
    const feedback = ex.errorFeedback();
    expect(feedback).toContain("parse threw TypeError: not a number: abc");
    expect(feedback).toMatch(/>> 3 \| {3}if \(Number\.isNaN\(n\)\) throw new TypeError/);
  });

  it("attributes an error raised in an undecorated helper to the bundle, marking the calling line", () => {
    function helperThatFails(v: number): number {
      if (v > 1) throw new RangeError(`too big: ${v}`);
      return v;
    }
    const f = bundle(function useHelper(v: number): number {
      const w = v * 2;
      return helperThatFails(w);
    });
    const ex = exceptionOf(() => f(5));
    expect(ex.op).toBe("useHelper");
    expect(ex.data).toBe("RangeError: too big: 10");
    expect(ex.annotatedSource).toMatch(/>> 3 \| {3}return helperThatFails\(w\);/);
    expect(ex.annotatedSource).toContain("raised in helperThatFails() called from the marked line");
  });

  it("an error whose stack text was formatted before the bundle saw it is still recorded", () => {
    const f = bundle(function relay(fail: boolean, early: boolean): number {
      try {
        if (fail) throw new Error("boom");
        return 1;
      } catch (error) {
        if (early) void (error as Error).stack; // e.g. logged before being rethrown
        throw error;
      }
    });
    // V8's structured frames (read before anything formats the stack) locate the failing line
    expect(exceptionOf(() => f(true, false)).annotatedSource).toMatch(/>> 3 \| +if \(fail\) throw new Error/);
    // once the text is formatted, only positions that match the script itself may be used; jest
    // source-maps stack text to the .ts file, so here the source is shown without a mark
    const late = exceptionOf(() => f(true, true));
    expect(late.data).toBe("Error: boom");
    expect(late.annotatedSource).toContain("   3 |");
    expect(late.annotatedSource).not.toContain(">>");
  });

  it("catchErrors: false lets the original error through and records nothing", () => {
    const f = bundle(
      function fails(): number {
        throw new SyntaxError("raw");
      },
      { catchErrors: false },
    );
    expect(() => f()).toThrow(SyntaxError);
    try {
      f();
    } catch (error) {
      expect(error).not.toBeInstanceOf(ExecutionError);
    }
  });

  it("rejects unknown or mistyped options with InvalidOptionError", () => {
    const fn = (x: number): number => x;
    expect(() => bundle(fn, { trainabel: true } as never)).toThrow(InvalidOptionError);
    expect(() => bundle(fn, { trainable: "yes" } as never)).toThrow(/trainable' must be a boolean/);
    expect(() => bundle(fn, { scope: { a: 1 } } as never)).toThrow(/scope' must be a function/);
    expect(() => bundle(fn, { timeoutMs: 100 })).toThrow(/needs trainable: true/);
    expect(() => bundle(fn, { trainable: true, timeoutMs: -1 })).toThrow(/positive number/);
    expect(() => bundle(fn, { name: " " })).toThrow(/must not be empty/);
  });

  it("a trainable bundle of a native function is refused", () => {
    expect(() => bundle(Math.max, { trainable: true })).toThrow(/SOURCE_UNAVAILABLE|not available/);
    expect(bundle(Math.max)(1, 5).data).toBe(5);
    expect(inputNames(bundle(Math.max)(1, 5))).toEqual(["args_0", "args_1"]);
  });

  it("@bundle without parentheses is a clear usage error", () => {
    const misuse = bundle as unknown as (f: unknown, c: unknown) => unknown;
    expect(() => misuse(() => 1, { kind: "method", name: "m", addInitializer: () => {} })).toThrow(
      DecoratorUsageError,
    );
  });
});

describe("bundle(fn): trainable code in the problem view", () => {
  it("the code parameter is an input named __code and appears on the code line", () =>
    graphScope(() => {
      const f = bundle(
        function greet(name: string): string {
          return `hello ${name}`;
        },
        { trainable: true },
      );
      const code = f.parameter!;
      expect(code.key).toBe("__code0");
      expect(code.info.code).toBe(true);
      expect(code.constraint).toContain("Keep the signature function greet(name)");
      const out = f("ann");
      expect(out.inputs.__code).toBe(code);
      backward(out, "say hi instead");
      const view = problemView([code]);
      expect(view.variables.map((v) => [v.key, v.type])).toEqual([["__code0", "code"]]);
      expect(view.code).toEqual(["greet0 = greet(name=str0, __code=__code0)"]);
    }));
});
