/**
 * Errors thrown by sandboxed code become host errors of the same kind, with a V8-style stack whose
 * frames name the runner's script; its lines map back to the suggested source (also TypeScript).
 */
import { describe, expect, it } from "@jest/globals";
import { CodeCompileError } from "../../src/code/errors.js";
import { parseFunction } from "../../src/code/parse.js";
import type { CallEnvironment, CodeRunner, RunLimits } from "../../src/code/runner.js";
import { createStrictRunner } from "../../src/code/strict/index.js";

const LIMITS: RunLimits = { cpuMs: 2000, wallMs: 20_000, memoryBytes: 32 << 20 };
const ENV: CallEnvironment = { readNode: () => undefined };

function strict(source: string, scope: Record<string, unknown> = {}): CodeRunner {
  return createStrictRunner({
    name: "faulty",
    parsed: parseFunction(source, "faulty"),
    scope,
    limits: LIMITS,
  });
}

function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error("nothing was thrown");
}

const FRAME = /^ {4}at (?:(\S+) \()?(.+):(\d+):(\d+)\)?$/;

/** The frames of a V8-style stack: function name, file, line. */
function frames(stack: string): Array<{ fn: string | undefined; file: string; line: number }> {
  return stack
    .split("\n")
    .slice(1)
    .map((l) => FRAME.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ fn: m[1], file: m[2]!, line: Number(m[3]) }));
}

describe("strict runner: errors of the sandboxed code", () => {
  it("keeps the error kind as the host's own constructor, and the message", () => {
    const runner = strict(`function faulty(kind) {
      if (kind === "type") null.x;
      if (kind === "range") new Array(-1);
      if (kind === "reference") return missing;
      if (kind === "syntax") JSON.parse("{");
      if (kind === "uri") decodeURIComponent("%");
      throw new EvalError("eval " + kind);
    }`);
    const cases: Array<[string, ErrorConstructor]> = [
      ["type", TypeError],
      ["range", RangeError],
      ["reference", ReferenceError],
      ["syntax", SyntaxError],
      ["uri", URIError],
      ["other", EvalError],
    ];
    for (const [kind, Expected] of cases) {
      const error = thrown(() => runner.call(undefined, [kind], ENV));
      expect(error).toBeInstanceOf(Expected);
      expect(error.constructor).toBe(Expected);
      expect(error.message.length).toBeGreaterThan(0);
    }
    expect(thrown(() => runner.call(undefined, ["other"], ENV)).message).toBe("eval other");
    runner.dispose();
  });

  it("gives errors of unknown kinds the Error constructor and their own name", () => {
    const runner = strict(`function faulty() {
      class ValidationError extends Error { constructor(m) { super(m); this.name = "ValidationError"; } }
      throw new ValidationError("bad field");
    }`);
    const error = thrown(() => runner.call(undefined, [], ENV));
    expect(error.constructor).toBe(Error);
    expect(error.name).toBe("ValidationError");
    expect(error.message).toBe("bad field");
    expect(error.stack!.split("\n")[0]).toBe("ValidationError: bad field");
    runner.dispose();
  });

  it("turns thrown non-errors into Errors that describe them", () => {
    const runner = strict(`function faulty(kind) {
      if (kind === "string") throw "plain text";
      if (kind === "number") throw 42;
      throw { code: 7, detail: ["x"] };
    }`);
    expect(thrown(() => runner.call(undefined, ["string"], ENV)).message).toBe("plain text");
    expect(thrown(() => runner.call(undefined, ["number"], ENV)).message).toBe("42");
    expect(thrown(() => runner.call(undefined, ["object"], ENV)).message).toBe('{"code":7,"detail":["x"]}');
    runner.dispose();
  });

  it("writes a V8-style stack whose script lines map back to the JavaScript source", () => {
    const runner = strict(
      ["function faulty(a) {", "  const b = a + 1;", '  throw new TypeError("line three " + b);', "}"].join(
        "\n",
      ),
    );
    const error = thrown(() => runner.call(undefined, [1], ENV));
    const lines = error.stack!.split("\n");
    expect(lines[0]).toBe("TypeError: line three 2");
    const [top] = frames(error.stack!);
    expect(top).toBeDefined();
    expect(top!.fn).toBe("faulty");
    expect(top!.file).toBe(runner.filename);
    expect(runner.sourceLineOf(top!.line)).toBe(3);
    runner.dispose();
  });

  it("maps frames of nested functions and callbacks", () => {
    const runner = strict(
      [
        "function faulty(items) {",
        "  return items.map((item) => {",
        "    if (item > 1) throw new RangeError('too big');",
        "    return item;",
        "  });",
        "}",
      ].join("\n"),
    );
    const error = thrown(() => runner.call(undefined, [[1, 2]], ENV));
    const mapped = frames(error.stack!)
      .filter((f) => f.file === runner.filename)
      .map((f) => runner.sourceLineOf(f.line));
    expect(mapped).toEqual([3, 2]);
    expect(error.stack).toContain("(native)");
    runner.dispose();
  });

  it("maps lines of TypeScript source whose types were stripped", () => {
    const source = [
      "function faulty(",
      "  input: {",
      "    readonly name: string;",
      "    readonly size: number;",
      "  },",
      "): string {",
      "  const label: string = input.name;",
      '  if (input.size > 2) throw new Error("too large: " + label);',
      "  return label;",
      "}",
    ].join("\n");
    const parsed = parseFunction(source, "faulty");
    expect(parsed.language).toBe("typescript");
    const runner = createStrictRunner({ name: "faulty", parsed, scope: {}, limits: LIMITS });
    expect(runner.call(undefined, [{ name: "ok", size: 1 }], ENV)).toBe("ok");
    const error = thrown(() => runner.call(undefined, [{ name: "big", size: 3 }], ENV));
    const [top] = frames(error.stack!);
    expect(top!.file).toBe(runner.filename);
    expect(runner.sourceLineOf(top!.line)).toBe(8);
    runner.dispose();
  });

  it("reports code QuickJS cannot compile as CodeCompileError with the source line", () => {
    const valid = parseFunction("function faulty() {\n  return 1;\n}", "faulty");
    // a parse result whose JavaScript is broken on line 2 (swc would have refused it earlier)
    const broken = {
      ...valid,
      js: "function faulty() {\n  return 1 +;\n}",
      sourceLine: (line: number) => line,
    };
    let error: unknown;
    try {
      createStrictRunner({ name: "faulty", parsed: broken, scope: {}, limits: LIMITS });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CodeCompileError);
    expect((error as CodeCompileError).line).toBe(2);
    expect((error as CodeCompileError).message).toContain("SyntaxError");
  });

  it("reports unusable scope names as CodeCompileError", () => {
    expect(() => strict("() => 1", { "not-an-identifier": 1 })).toThrow(CodeCompileError);
    expect(() => strict("() => 1", { __trace$x: 1 })).toThrow(CodeCompileError);
  });
});
