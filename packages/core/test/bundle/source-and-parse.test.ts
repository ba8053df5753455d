import { describe, expect, it } from "@jest/globals";
import { CodeCompileError } from "@trace-ts/core";
import { annotateSource } from "@trace-ts/core/graph";
import { dedent } from "../../src/bundle/source.js";
import { canonicalForm } from "../../src/code/canonical.js";
import { parseFunction } from "../../src/code/parse.js";
import { signatureText } from "../../src/code/signature.js";

describe("dedent", () => {
  it("gives the same text for tsc's and swc's indentation of a method", () => {
    const tsc = "add(a, b = 2) {\n            // comment\n            return a + b;\n        }";
    const swc = "add(a, b = 2) {\n        // comment\n        return a + b;\n    }";
    expect(dedent(tsc)).toBe("add(a, b = 2) {\n    // comment\n    return a + b;\n}");
    expect(dedent(swc)).toBe(dedent(tsc));
  });

  it("leaves lines inside multi-line template literals alone", () => {
    const text = "m() {\n        const s = `one\n        two`;\n        return s;\n    }";
    expect(dedent(text)).toBe("m() {\n    const s = `one\n        two`;\n    return s;\n}");
  });

  it("leaves single-line and unindented sources unchanged", () => {
    expect(dedent("(x) => x + 1")).toBe("(x) => x + 1");
    expect(dedent("f() {\nreturn 1;\n}")).toBe("f() {\nreturn 1;\n}");
  });
});

describe("parseFunction", () => {
  it("understands methods, functions and arrows, async and generators, in JavaScript or TypeScript", () => {
    const shapes = [
      "add(a, b = 2) { return a + b; }",
      "async fetchIt(x) { return x; }",
      "*gen(n) { yield n; }",
      "function named(a, ...rest) { return rest; }",
      "async (x) => x",
      "x => x",
      "run({ a, b }: { a: number; b: number }, [c]: number[] = [1]): number { return a + b + c; }",
    ].map((src) => {
      const parsed = parseFunction(src, "f");
      return [parsed.shape.kind, parsed.language, signatureText(parsed.shape)];
    });
    expect(shapes).toEqual([
      ["method", "javascript", "add(a, b = 2)"],
      ["method", "javascript", "async fetchIt(x)"],
      ["method", "javascript", "*gen(n)"],
      ["function", "javascript", "function named(a, ...rest)"],
      ["arrow", "javascript", "async (x) =>"],
      ["arrow", "javascript", "(x) =>"],
      ["method", "typescript", "run({ a, b }, [c] = [ 1 ])"], // as swc prints it,
    ]);
  });

  it("keeps line numbers of TypeScript sources through type stripping", () => {
    const parsed = parseFunction(
      "f(a: number,\n  b: {\n    x: number;\n  }): number {\n  return a + b.x;\n}",
      "f",
    );
    const jsLine = parsed.js.split("\n").findIndex((l) => l.includes("return")) + 1;
    expect(parsed.sourceLine(jsLine)).toBe(5);
  });

  it("rejects what is not exactly one function, with the reason", () => {
    const reason = (src: string): string => {
      try {
        parseFunction(src, "f");
      } catch (error) {
        expect(error).toBeInstanceOf(CodeCompileError);
        return (error as Error).message;
      }
      return "accepted";
    };
    expect(reason("")).toMatch(/the code is empty/);
    expect(reason("function a() {}\nfunction b() {}")).toMatch(
      /got a function declaration, a function declaration/,
    );
    expect(reason("get x() { return 1; }")).toMatch(
      /expected exactly one function|does not parse|Unexpected/,
    );
    expect(reason("f(a) {\n  return a +;\n}")).toMatch(/\(line 2\)/);
    expect(reason("f(a) { return 1; };\n")).toBe("accepted");
  });

  it("non-ASCII text does not shift positions", () => {
    const parsed = parseFunction(
      "f(x) {\n  const s = 'héllo wörld ✓';\n  while (x) x--;\n  return s;\n}",
      "f",
    );
    const [start, end] = parsed.loopBodies[0]!;
    expect(parsed.js.slice(start, end)).toBe("x--;");
  });
});

describe("canonicalForm", () => {
  it("ignores whitespace and comments but not code", () => {
    const a = canonicalForm(parseFunction("f(x) {\n  // c\n  return { a: x };\n}", "f"));
    const b = canonicalForm(
      parseFunction("f(x) {\n            return {\n                a: x\n            };\n        }", "f"),
    );
    const c = canonicalForm(parseFunction("f(x) { return { a: x + 1 }; }", "f"));
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });
});

describe("annotateSource", () => {
  it("numbers the lines and marks one", () => {
    expect(annotateSource("a\nb\nc", 2, "(note)")).toBe("   1 | a\n>> 2 | b\n   3 | c\n(note)");
  });

  it("cuts very long sources to a window around the mark", () => {
    const text = Array.from({ length: 500 }, (_, i) => `line ${i + 1}`).join("\n");
    const out = annotateSource(text, 250);
    expect(out).toContain(">> 250 | line 250");
    expect(out).toContain("(209 lines above)");
    expect(out.split("\n").length).toBeLessThan(100);
  });
});
