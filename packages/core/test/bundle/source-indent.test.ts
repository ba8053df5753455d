// Captured method source is shown with 2-space indentation steps, whatever the compiler printed
// (tsc and swc both print 4-space steps), so a suggestion written with 2 spaces diffs cleanly
// against it and setSource/getSource round-trip.
import { describe, expect, it } from "@jest/globals";
import { bundle, traced } from "@trace-ts/core";
import ts from "typescript";
import { normalizeIndentation } from "../../src/bundle/source.js";

class Greeter {
  @bundle({ trainable: true })
  // biome-ignore lint/correctness/noUnusedFunctionParameters: the starting code ignores lang
  greet(lang: string | undefined, userName: string): string {
    const greeting = "Hola";
    if (userName === "") {
      return greeting;
    }
    return `${greeting}, ${userName}!`;
  }
}

const CAPTURED = [
  "greet(lang, userName) {",
  '  const greeting = "Hola";',
  '  if (userName === "") {',
  "    return greeting;",
  "  }",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the string is source code
  "  return `${greeting}, ${userName}!`;",
  "}",
].join("\n");

/** Lines of `b` that differ from the same line of `a` (both split on newlines). */
function changedLines(a: string, b: string): string[] {
  const x = a.split("\n");
  const y = b.split("\n");
  return y.filter((line, i) => line !== x[i]);
}

describe("captured source indentation", () => {
  it("a method compiled by swc (jest) reads with 2-space steps, as written", () => {
    expect(traced(new Greeter()).greet.getSource()).toBe(CAPTURED);
  });

  it("a method compiled by tsc (4-space steps, class body at 4 or 8) reads the same", () => {
    const source = [
      "export class Greeter {",
      "  // the class body",
      "  greet(lang: string | undefined, userName: string): string {",
      '    const greeting = "Hola";',
      '    if (userName === "") {',
      "      return greeting;",
      "    }",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the string is source code
      "    return `${greeting}, ${userName}!`;",
      "  }",
      "}",
    ].join("\n");
    const js = ts.transpileModule(source, {
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022 },
    }).outputText;
    const body = js.split("\n").find((line) => line.includes("greet(lang, userName)"))!;
    expect(body).toBe("    greet(lang, userName) {"); // tsc's own printer: 4-space steps
    const start = js.indexOf("greet(lang, userName)");
    const end = js.indexOf("\n    }", start) + "\n    }".length;
    const raw = js.slice(start, end); // what Function.prototype.toString gives for the method
    expect(raw).toContain('\n        const greeting = "Hola";');
    expect(normalizeIndentation(raw)).toBe(CAPTURED);
    const nested = raw.replace(/\n/g, "\n        "); // the same class nested deeper (body at 16)
    expect(normalizeIndentation(nested)).toBe(CAPTURED);
  });

  it("a 2-space suggestion diffs against the captured source only where it changes", () => {
    const g = traced(new Greeter()).greet;
    const suggestion = CAPTURED.replace('"Hola"', 'lang === "en" ? "Hello" : "Hola"');
    expect(changedLines(g.getSource(), suggestion)).toEqual([
      '  const greeting = lang === "en" ? "Hello" : "Hola";',
    ]);
    g.setSource(suggestion);
    expect(g.getSource()).toBe(suggestion);
    expect(g.parameter?.data).toBe(suggestion);
    expect(g("en", "Ann").data).toBe("Hello, Ann!");
    // the compiler's own text (4-space steps) is still recognized as the original code
    const tscText = CAPTURED.replace(/^( +)/gm, (s) => s + s);
    g.setSource(tscText);
    expect(g.getSource()).toBe(tscText);
    expect(g.lastWorkingSource).toBe(suggestion);
    expect(g("en", "Ann").data).toBe("Hola, Ann!");
  });

  it("keeps template literal lines, aligns JSDoc continuation lines, and leaves other steps alone", () => {
    const withTemplate = "m() {\n        const s = `one\n        two`;\n        return s;\n    }";
    expect(normalizeIndentation(withTemplate)).toBe("m() {\n  const s = `one\n        two`;\n  return s;\n}");
    const withDoc = "m() {\n        /**\n         * doc\n         */\n        return 1;\n    }";
    expect(normalizeIndentation(withDoc)).toBe("m() {\n  /**\n   * doc\n   */\n  return 1;\n}");
    expect(normalizeIndentation("f() {\n  return 1;\n}")).toBe("f() {\n  return 1;\n}");
    expect(normalizeIndentation("f() {\n\t\treturn 1;\n\t}")).toBe("f() {\n\treturn 1;\n}");
    expect(normalizeIndentation("(x) => x + 1")).toBe("(x) => x + 1");
  });

  it("a bundled function keeps its line numbers (failing lines are still marked right)", () => {
    const f = bundle(
      function parse(text: string): number {
        const n = Number(text);
        if (Number.isNaN(n)) {
          throw new TypeError(`not a number: ${text}`);
        }
        return n;
      },
      { trainable: true },
    );
    expect(f.getSource().split("\n")).toEqual([
      "function parse(text) {",
      "  const n = Number(text);",
      "  if (Number.isNaN(n)) {",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the string is source code
      "    throw new TypeError(`not a number: ${text}`);",
      "  }",
      "  return n;",
      "}",
    ]);
  });
});
