import { describe, expect, it } from "@jest/globals";
import {
  backward,
  bundle,
  CodeCompileError,
  CodeForbiddenError,
  CodeTimeoutError,
  ExecutionError,
  InvalidScopeError,
  type Node,
  NotTrainableError,
  node,
  SignatureChangedError,
  traced,
} from "@trace-ts/core";
import { exceptionOf } from "./helpers.js";

function makeAdd() {
  return bundle(
    function add(a: number, b: number): number {
      return a + b;
    },
    { trainable: true },
  );
}

describe("source capture", () => {
  it("getSource() returns the dedented source; the code parameter holds it", () => {
    const add = makeAdd();
    expect(add.getSource()).toBe("function add(a, b) {\n  return a + b;\n}");
    expect(add.parameter!.data).toBe(add.getSource());
    expect(add.lastWorkingSource).toBe(add.getSource());
  });

  it("setSource() and the parameter's validate() need a trainable bundle", () => {
    const f = bundle((x: number) => x);
    expect(f.parameter).toBeUndefined();
    expect(f.trainable).toBe(false);
    expect(() => f.setSource("(x) => x + 1")).toThrow(NotTrainableError);
    expect(() => f.rollback()).toThrow(/needs a trainable bundle/);
  });
});

describe("changing the code", () => {
  it("runs suggested JavaScript, and picks up a changed parameter value on the next call", () => {
    const add = makeAdd();
    add.setSource("add(a, b) {\n  return a * b;\n}");
    expect(add(3, 4).data).toBe(12);
    add.parameter!.data = "function add(a, b) { return a - b; }";
    expect(add(3, 4).data).toBe(-1);
    add.parameter!.data = "(a, b) => a ** b";
    expect(add(3, 4).data).toBe(81);
  });

  it("accepts TypeScript: types are stripped with swc", () => {
    const add = makeAdd();
    add.setSource("add(a: number, b: number): number {\n  const sum: number = a + b;\n  return sum * 10;\n}");
    expect(add(1, 2).data).toBe(30);
  });

  it("compiles each distinct source once, not per call", () => {
    const f = bundle(
      function tick(x: number): number {
        return x;
      },
      { trainable: true },
    );
    // the sandbox realm of a compiled version persists across calls: a counter on its globalThis shows reuse
    const counting = "tick(x) {\n  globalThis.n = (globalThis.n ?? 0) + 1;\n  return globalThis.n;\n}";
    f.setSource(counting);
    expect([f(0).data, f(0).data, f(0).data]).toEqual([1, 2, 3]);
    f.setSource(`${counting}\n// a different source compiles into a fresh realm`);
    expect(f(0).data).toBe(1);
    f.setSource(counting);
    expect(f(0).data).toBe(4);
  });

  it("a source equal to the original up to whitespace and comments runs the original function", () => {
    const secret = 41;
    const f = bundle(
      function withClosure(x: number): number {
        return x + secret;
      },
      { trainable: true },
    );
    // the closure variable is not in any scope: only the original function can see it
    f.setSource("function withClosure(x) {\n\n      // same code, other layout\n  return x + secret;\n}");
    expect(f(1).data).toBe(42);
  });

  it("validate() rejects broken suggestions before they are applied; setSource throws typed errors", () => {
    const add = makeAdd();
    const p = add.parameter!;
    expect(p.validate("add(a, b) { return a + b * 2; }")).toBeUndefined();
    expect(p.validate("add(a, b) { return a + ; }")).toMatch(/does not compile \(line 1\)/);
    expect(p.validate(42)).toMatch(/must be a string/);
    expect(p.validate("add(a) { return a; }")).toMatch(/must keep the signature function add\(a, b\)/);
    expect(p.validate("add(b, a) { return a; }")).toMatch(/parameter 1 must be named a/);
    expect(p.validate("async add(a, b) { return a; }")).toMatch(/must not be async/);
    expect(p.validate("sub(a, b) { return a - b; }")).toMatch(/the name must stay add/);
    expect(p.validate("const add = (a, b) => a + b;")).toMatch(
      /expected exactly one function.*variable declaration/,
    );
    expect(p.validate("add(a, b) { let x = 1; let x = 2; return x; }")).toMatch(/already been declared/);
    expect(() => add.setSource("add(a, b) {\n  return a +;\n}")).toThrow(CodeCompileError);
    expect(() => add.setSource("add(a, b, c) { return 1; }")).toThrow(SignatureChangedError);
    expect(() => add.setSource("add(a, b) { return import('fs'); }")).toThrow(CodeForbiddenError);
    expect(add.getSource()).toBe("function add(a, b) {\n  return a + b;\n}");
    expect(p.version).toBe(0);
  });

  it("a compile error reports the line, also for TypeScript", () => {
    const add = makeAdd();
    try {
      add.setSource("add(a: number, b: number) {\n  const c: number = a;\n  return c +* b;\n}");
      throw new Error("not rejected");
    } catch (error) {
      expect(error).toBeInstanceOf(CodeCompileError);
      expect((error as CodeCompileError).line).toBe(3);
      expect((error as CodeCompileError).annotatedSource).toMatch(/>> 3 \| {3}return c \+\* b;/);
    }
  });
});

describe("errors in suggested code are feedback; the previous code is kept", () => {
  it("a syntax error becomes an ExceptionNode with the code parameter as a parent; rollback restores the working code", () => {
    const add = makeAdd();
    const x = node(2);
    expect(add(x, 3).data).toBe(5);
    add.parameter!.data = "add(a, b) {\n  return a + ;\n}"; // an optimizer that skipped validate()
    const ex = exceptionOf(() => add(x, 3));
    expect(ex.error).toBeInstanceOf(CodeCompileError);
    expect(ex.inputs.__code).toBe(add.parameter);
    expect(ex.inputs.a).toBe(x);
    expect(ex.errorFeedback()).toMatch(/>> 2 \| {3}return a \+ ;/);
    backward(ex, ex.errorFeedback());
    expect(add.parameter!.feedback).toHaveLength(1);
    expect(add.lastWorkingSource).toBe("function add(a, b) {\n  return a + b;\n}");
    expect(add.rollback()).toBe(true);
    expect(add(x, 3).data).toBe(5);
    expect(add.rollback()).toBe(false);
  });

  it("a runtime error marks the failing line of the suggested source", () => {
    const add = makeAdd();
    add.setSource("add(a, b) {\n  const total = a + b;\n  return total.toFixed(1).missing.length;\n}");
    const ex = exceptionOf(() => add(1, 2));
    expect(ex.data).toMatch(/^TypeError: Cannot read properties of undefined/);
    expect(ex.error).toBeInstanceOf(TypeError); // converted from the sandbox realm
    expect(ex.annotatedSource).toBe(
      [
        "   1 | add(a, b) {",
        "   2 |   const total = a + b;",
        ">> 3 |   return total.toFixed(1).missing.length;",
        "   4 | }",
      ].join("\n"),
    );
    expect(ex.inputs.__code).toBe(add.parameter);
    add.rollback();
    expect(add(1, 2).data).toBe(3);
  });

  it("the failing line is found in TypeScript suggestions through swc's source map", () => {
    const add = makeAdd();
    add.setSource(
      "add(a: number,\n    b: number): number {\n  type T = { v: number };\n  const t: T = { v: a };\n  return (t as any).w.z + b;\n}",
    );
    const ex = exceptionOf(() => add(1, 2));
    expect(ex.annotatedSource).toMatch(/>> 5 \| {3}return \(t as any\)\.w\.z \+ b;/);
  });

  it("an error raised in a scope helper is attributed to the line of suggested code that called it", () => {
    const check = (v: number): number => {
      if (v < 0) throw new RangeError("negative");
      return v;
    };
    const f = bundle(
      function safe(x: number): number {
        return check(x);
      },
      { trainable: true, scope: () => ({ check }) },
    );
    f.setSource("safe(x) {\n  const y = x - 10;\n  return check(y);\n}");
    const ex = exceptionOf(() => f(1));
    expect(ex.error).toBeInstanceOf(RangeError);
    expect(ex.annotatedSource).toContain(">> 3 |   return check(y);");
    expect(ex.annotatedSource).toContain("called from the marked line");
  });

  it("an optimizer-style loop: the error is feedback, the next suggestion fixes it", () => {
    const f = bundle(
      function parse(text: string): number {
        return Number(text);
      },
      { trainable: true },
    );
    f.setSource("parse(text) {\n  return JSON.parse(text).value.trim();\n}");
    let out: Node;
    let feedback = "";
    try {
      out = f("12");
    } catch (error) {
      if (!(error instanceof ExecutionError)) throw error;
      out = error.exceptionNode;
      feedback = error.exceptionNode.errorFeedback();
    }
    expect(feedback).toContain("parse threw TypeError");
    backward(out, feedback);
    expect(f.parameter!.feedback[0]!.record.feedback).toBe(feedback);
    f.setSource("parse(text) {\n  return Number(text.trim());\n}");
    expect(f(" 12 ").data).toBe(12);
  });
});

describe("the sandbox", () => {
  it("suggested code sees only the scope and built-ins (globals only through scope)", () => {
    const LIMIT = 3;
    const cap = (v: number): number => Math.min(v, LIMIT);
    const withScope = bundle(
      function f(x: number): number {
        return cap(x);
      },
      { trainable: true, scope: () => ({ cap, LIMIT }) },
    );
    withScope.setSource("f(x) {\n  return cap(x) + LIMIT + Math.max(0, 1) + JSON.parse('1');\n}");
    expect(withScope(10).data).toBe(8);
    expect(withScope.parameter!.constraint).toContain("cap, LIMIT");

    const noScope = bundle(
      function g(x: number): number {
        return cap(x);
      },
      { trainable: true },
    );
    expect(noScope(10).data).toBe(3); // the original function still has its closure
    noScope.setSource("g(x) {\n  return cap(x);\n}\n// recompiled: cap is not in scope");
    const ex = exceptionOf(() => noScope(10));
    expect(ex.data).toMatch(/^ReferenceError: cap is not defined \(.*scope: \(\) => \(\{ cap \}\)\)$/);
  });

  it("the scope thunk is evaluated lazily, so it may name consts declared after the bundle", () => {
    const f = bundle(
      function late(x: number): number {
        return x + LATER;
      },
      { trainable: true, scope: () => ({ LATER }) },
    );
    const LATER = 5;
    f.setSource("late(x) { return x + LATER * 2; }");
    expect(f(1).data).toBe(11);
  });

  it("a bad scope is a clear error", () => {
    const f = bundle((x: number) => x, { trainable: true, scope: () => ({ "not an identifier": 1 }) });
    expect(() => f.setSource("(x) => x + 1")).toThrow(/scope name 'not an identifier' is not an identifier/);
    const g = bundle((x: number) => x, {
      trainable: true,
      scope: () => {
        throw new Error("boom");
      },
    });
    expect(() => g.setSource("(x) => x + 1")).toThrow(InvalidScopeError);
  });

  it("suggested code cannot reach process, require, import() or the host globalThis", () => {
    const f = bundle(
      function probe(x: unknown): unknown {
        return x;
      },
      { trainable: true },
    );
    f.setSource(
      "probe(x) { return [typeof process, typeof require, typeof module, typeof globalThis.process, typeof Buffer, typeof setTimeout, typeof WebAssembly, typeof Atomics]; }",
    );
    expect(f(0).data).toEqual([
      "undefined",
      "undefined",
      "undefined",
      "undefined",
      "undefined",
      "undefined",
      "undefined",
      "undefined",
    ]);
    // the Function constructor of the sandbox realm cannot compile strings
    f.setSource(
      "probe(x) { const F = Reflect.get(() => {}, 'constr' + 'uctor'); return F('return process')(); }",
    );
    expect(exceptionOf(() => f(0)).data).toMatch(/^EvalError: Code generation from strings disallowed/);
    f.setSource("probe(x) { return eval('process'); }");
    expect(exceptionOf(() => f(0)).data).toMatch(/^EvalError/);
    f.setSource("probe(x) { return new Function('return this')(); }");
    expect(exceptionOf(() => f(0)).data).toMatch(/^EvalError/);
    // the direct routes to the host's Function are refused before the code runs
    for (const bad of [
      "probe(x) { return (() => {}).constructor('return process')(); }",
      "probe(x) { return x.constructor.constructor('return process')(); }",
      "probe(x) { return x['constructor']; }",
      "probe(x) { const { constructor } = x; return constructor; }",
      "probe(x) { return Reflect.get(x, 'constructor'); }",
      "probe(x) { return x.__proto__; }",
      "probe(x) { return import('node:fs'); }",
    ]) {
      expect(f.parameter!.validate(bad)).toMatch(/CODE_FORBIDDEN|uses/);
    }
  });

  it("sloppy-mode this does not leak the global object: code runs in strict mode", () => {
    const f = bundle(
      function self(): unknown {
        return undefined;
      },
      { trainable: true },
    );
    f.setSource("function self() { return [typeof this, (function () { return typeof this; })()]; }");
    expect(f.call(undefined).data).toEqual(["undefined", "undefined"]);
  });

  it("values made by suggested code are host-realm values (instanceof works)", () => {
    const f = bundle(
      function make(n: number): unknown {
        return [n];
      },
      { trainable: true },
    );
    f.setSource(
      "make(n) { return { list: [n, n + 1], when: new Date(0), map: new Map([[1, [2]]]), err: new TypeError('t') }; }",
    );
    const value = f(1).data as { list: number[]; when: Date; map: Map<number, number[]>; err: Error };
    expect(value.list).toBeInstanceOf(Array);
    expect(value.when).toBeInstanceOf(Date);
    expect(value.map.get(1)).toBeInstanceOf(Array);
    expect(value.err).toBeInstanceOf(TypeError);
    expect(value).toEqual({
      list: [1, 2],
      when: new Date(0),
      map: new Map([[1, [2]]]),
      err: new TypeError("t"),
    });
  });

  it("console.log in suggested code reaches the host console", () => {
    const f = bundle(
      function say(): number {
        return 1;
      },
      { trainable: true },
    );
    const seen: unknown[][] = [];
    const original = console.log;
    console.log = (...args: unknown[]) => {
      seen.push(args);
    };
    try {
      f.setSource("say() { console.log('from sandbox', [1]); return 2; }");
      expect(f().data).toBe(2);
    } finally {
      console.log = original;
    }
    // formatted inside the sandbox: the host console only ever receives a string
    expect(seen).toEqual([["from sandbox [1]"]]);
  });

  it("a method's suggested code keeps this, and cannot use #private members or super", () => {
    class Acc {
      total = 1;
      @bundle({ trainable: true })
      addTo(x: number): number {
        this.total += x;
        return this.total;
      }
    }
    const acc = new Acc();
    const t = traced(acc);
    t.addTo.setSource("addTo(x) {\n  this.total = this.total * 10 + x;\n  return this.total;\n}");
    expect(t.addTo(2).data).toBe(12);
    expect(acc.total).toBe(12);
    expect(() => t.addTo.setSource("addTo(x) { return this.#total; }")).toThrow(/private member #total/);
    expect(() => t.addTo.setSource("addTo(x) { return super.addTo(x); }")).toThrow(/super/);
  });
});

describe("time limits", () => {
  it("while (true) {} in suggested synchronous code ends with a timeout ExceptionNode, and the process lives", () => {
    const f = bundle(
      function spin(x: number): number {
        return x;
      },
      { trainable: true, timeoutMs: 100 },
    );
    f.setSource("spin(x) {\n  let i = 0;\n  while (true) {\n    i++;\n  }\n}");
    const started = Date.now();
    const ex = exceptionOf(() => f(1));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(ex.error).toBeInstanceOf(CodeTimeoutError);
    expect((ex.error as CodeTimeoutError).code).toBe("CODE_TIMEOUT");
    expect(ex.data).toMatch(/spin ran for more than 100 ms/);
    expect(ex.annotatedSource).toMatch(/>> 3 \| {3}while \(true\) \{/); // the loop that did not end
    expect(ex.annotatedSource).not.toContain("raised in");
    expect(ex.inputs.__code).toBe(f.parameter);
    f.rollback();
    expect(f(7).data).toBe(7);
  });

  it("the default budget also applies without timeoutMs (loop guards), for loops of every kind", () => {
    const f = bundle(
      function loops(n: number): number {
        return n;
      },
      { trainable: true },
    );
    f.setSource(
      "loops(n) {\n  let s = 0;\n  for (let i = 0; i < n; i++) s += i;\n  for (const v of [1, 2]) s += v;\n  do { s++; } while (s < 0);\n  return s;\n}",
    );
    expect(f(4).data).toBe(10);
  });

  it("a catastrophic regular expression finishes (linear engine) or, with a backreference, is stopped", () => {
    const f = bundle(
      function match(text: string): boolean {
        return text.length > 0;
      },
      { trainable: true, timeoutMs: 150 },
    );
    f.setSource("match(text) { return /^(a+)+$/.test(text); }");
    expect(f(`${"a".repeat(40)}b`).data).toBe(false);
    f.setSource("match(text) { return /^(a+)+\\1$/.test(text); }");
    const ex = exceptionOf(() => f(`${"a".repeat(40)}b`));
    expect(ex.error).toBeInstanceOf(CodeTimeoutError);
    expect(f.rollback()).toBe(true); // back to the last code that worked: the first pattern
    expect(f("aaa").data).toBe(true);
  });

  it("an async infinite loop after an await is stopped by the loop guards", async () => {
    const f = bundle(
      async function wait(x: number): Promise<number> {
        return x;
      },
      { trainable: true, timeoutMs: 100 },
    );
    f.setSource("async wait(x) {\n  await null;\n  for (;;) {}\n}");
    await expect(f(1)).rejects.toBeInstanceOf(ExecutionError);
    f.setSource("async wait(x) {\n  while (true) await null;\n}");
    const error = await f(1).catch((e: unknown) => e);
    expect((error as ExecutionError).exceptionNode.error).toBeInstanceOf(CodeTimeoutError);
    f.rollback();
    expect((await f(3)).data).toBe(3);
  });

  it("slow awaits are not counted: the budget is per stretch of synchronous work", async () => {
    const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
    const f = bundle(
      async function poll(n: number): Promise<number> {
        return n;
      },
      { trainable: true, timeoutMs: 60, scope: () => ({ sleep }) },
    );
    f.setSource(
      "async poll(n) {\n  let s = 0;\n  for (let i = 0; i < n; i++) { await sleep(40); s += i; }\n  return s;\n}",
    );
    expect((await f(4)).data).toBe(6);
  });
});
