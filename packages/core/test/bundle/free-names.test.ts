// A trainable bundle whose original code uses names of the program (an imported helper, a module
// function) that are not in its `scope` works until its first rewrite, which cannot see them. One
// warning per bundle says so, and a ReferenceError in rewritten code points at `scope`.
import { afterEach, beforeEach, describe, expect, it, jest } from "@jest/globals";
import { bundle, callLLM, Model, traced } from "@trace-ts/core";
import { freeNames } from "../../src/bundle/source.js";
import { asyncExceptionOf, exceptionOf } from "./helpers.js";

function shout(text: string): string {
  return `${text.toUpperCase()}!`;
}
const SUFFIX = "?";

let warnings: { message: string; code: string | undefined }[] = [];
beforeEach(() => {
  warnings = [];
  jest.spyOn(process, "emitWarning").mockImplementation((warning: string | Error, options?: unknown) => {
    const code =
      typeof options === "object" && options !== null ? (options as { code?: string }).code : undefined;
    warnings.push({ message: String(warning), code });
  });
});
afterEach(() => {
  jest.restoreAllMocks();
});

const FREE = "TRACE_BUNDLE_FREE_NAMES";

describe("names a rewrite would not see", () => {
  it("warns once per bundle, at the first call, naming the names and the scope to pass", () => {
    const label = bundle(
      function label(text: string): string {
        if (text === "") return shout(String(callLLM.length));
        return text + SUFFIX;
      },
      { trainable: true },
    );
    expect(warnings).toEqual([]); // nothing at creation: a scope thunk may not be able to run yet
    expect(label("a").data).toBe("a?");
    label("b");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.code).toBe(FREE);
    expect(warnings[0]!.message).toBe(
      "trace-ts: the trainable bundle label uses SUFFIX, callLLM, shout from your program, which rewritten code will not see: " +
        "suggested code sees only its parameters, this, JavaScript's built-ins and the bundle's scope. " +
        "Pass them in with scope: () => ({ SUFFIX, callLLM, shout }), or the first rewrite will fail with a ReferenceError.",
    );
  });

  it("a @bundle method warns once for all instances; creating the code parameter also checks", () => {
    class Agent extends Model {
      @bundle({ trainable: true, scope: () => ({ shout }) })
      answer(q: string): string {
        return shout(q) + SUFFIX;
      }
    }
    const a = new Agent();
    expect(a.parameters()).toHaveLength(1); // the code parameter is made here
    expect(warnings.map((w) => w.message)).toEqual([
      expect.stringContaining("answer uses SUFFIX from your program") as unknown as string,
    ]);
    expect(warnings[0]!.message).toContain("Pass it in with scope: () => ({ shout, SUFFIX })");
    traced(a).answer("x");
    traced(new Agent()).answer("y");
    expect(warnings).toHaveLength(1);
  });

  it("no warning when the scope covers the names, for built-ins and locals, or when not trainable", () => {
    const covered = bundle(
      function covered(text: string): string {
        return shout(text) + SUFFIX;
      },
      { trainable: true, scope: () => ({ shout, SUFFIX }) },
    );
    const local = bundle(
      function local(xs: number[], { k = 1 }: { k?: number } = {}): string {
        const total = xs.reduce((s, x) => s + x, 0);
        function twice(v: number): number {
          return v * 2;
        }
        const out = { total: twice(total), k };
        for (const x of xs) {
          if (x < 0) break;
        }
        try {
          return JSON.stringify(out) + Math.max(...xs) + String(new Map().size);
        } catch (err) {
          console.log(err);
          // biome-ignore lint/complexity/noArguments: `arguments` is a name the function declares implicitly
          return String(Number.NaN + Infinity) + arguments.length;
        }
      },
      { trainable: true },
    );
    const plain = bundle((text: string) => shout(text));
    expect(covered("a").data).toBe("A!?");
    expect(local([1, 2]).data).toBe('{"total":6,"k":1}20');
    expect(plain("b").data).toBe("B!");
    expect(warnings).toEqual([]);
  });

  it("a ReferenceError in rewritten code says to pass the name in scope (sync, async, both tiers)", async () => {
    for (const isolation of ["realm", "strict"] as const) {
      const f = bundle(
        function f(x: string): string {
          return x;
        },
        { trainable: true, isolation },
      );
      f.setSource("function f(x) {\n  return shout(x);\n}");
      const ex = exceptionOf(() => f("a"));
      expect(ex.data).toMatch(
        /^ReferenceError: '?shout'? is not defined \(suggested code sees only its parameters/,
      );
      expect(ex.data).toContain("give it to the bundle with scope: () => ({ shout })");
      const g = bundle(
        async function g(x: string): Promise<string> {
          return x;
        },
        { trainable: true, isolation },
      );
      g.setSource("async function g(x) {\n  await null;\n  return helper(x);\n}");
      const aex = await asyncExceptionOf(g("a"));
      expect(aex.data).toContain("scope: () => ({ helper })");
    }
  });
});

describe("freeNames", () => {
  it("finds reads and writes of outer names, not properties, keys, labels or declarations", () => {
    const js = [
      "async m(a, { b, c: d }, [e = f], ...g) {",
      "  const h = callLLM(a.x, { k: v, w }, this.y);",
      "  loop: for (const i of j) { break loop; }",
      "  try { z(); } catch (err) { err; }",
      "  function inner(p) { return p + q; }",
      "  class K extends Base { meth() { return new.target; } prop = r; }",
      "  counter = counter + 1; for (x2 of arr) {} [x3] = [1];",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the string is source code
      "  return obj?.prop + `${tpl}` + tag`x` + ((s) => s + t)(1) + Math.max(h);",
      "}",
    ].join("\n");
    expect(freeNames(js, "object")).toEqual(
      [
        "Base",
        "Math",
        "arr",
        "callLLM",
        "counter",
        "f",
        "j",
        "obj",
        "q",
        "r",
        "t",
        "tag",
        "tpl",
        "v",
        "w",
        "x2",
        "x3",
        "z",
      ].sort(),
    );
    expect(freeNames("function fact(n) { return n < 2 ? 1 : n * fact(n - 1); }", "paren")).toEqual([]);
    expect(freeNames("not ( valid", "paren")).toBeUndefined();
  });
});
