/**
 * Each bundle knows where its source starts (`sourceLocation`): the file and the 1-based line of the
 * function or method head, under swc with source maps (jest). The line numbers below are pinned:
 * moving a declaration in this file must update its expected line.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "@jest/globals";
import { bundle, traced } from "@trace-ts/core";
import { headPattern } from "../../src/bundle/location.js";

const FILE = fileURLToPath(import.meta.url);

// a named function on the same line as the call
const sameLine = bundle(function sameLine(x: number): number {
  return x + 1;
});

// the function starts on the line after the call
const nextLine = bundle(
  function nextLine(text: string): string {
    return text.trim();
  },
  { trainable: true },
);

class Agent {
  note = "a field between the class and the method";

  // the decorator sits above the method
  @bundle({ trainable: true })
  async answer(q: string): Promise<string> {
    return q.toUpperCase();
  }

  /** A doc comment, then the decorator, then the method (with type parameters). */
  @bundle()
  plan<T extends string>(q: T): string {
    return `plan: ${q}`;
  }

  // a field-form bundle: the call is on one line, the function on the next
  polish = bundle(
    function polish(this: Agent, t: string): string {
      return t.trim();
    },
    { trainable: true },
  );
}

// an arrow function has no head to look for: the call's line
const arrow = bundle((a: number, b: number) => a * b);

describe("sourceLocation", () => {
  it("pins lines that hold what the assertions below expect (update both when moving code)", () => {
    const lines = readFileSync(FILE, "utf8").split("\n");
    expect(lines[15 - 1]).toContain("function sameLine(");
    expect(lines[21 - 1]).toContain("function nextLine(");
    expect(lines[32 - 1]).toContain("async answer(");
    expect(lines[38 - 1]).toContain("plan<T extends string>(");
    expect(lines[44 - 1]).toContain("function polish(");
    expect(lines[52 - 1]).toContain("bundle((a: number");
  });

  it("gives the file and the exact line of function-form bundles", () => {
    expect(sameLine.sourceLocation).toEqual({ file: FILE, line: 15 });
    expect(nextLine.sourceLocation).toEqual({ file: FILE, line: 21 });
    expect(arrow.sourceLocation).toEqual({ file: FILE, line: 52 });
  });

  it("gives the method's own line for @bundle methods, below the decorator", () => {
    const agent = new Agent();
    expect(traced(agent).answer.sourceLocation).toEqual({ file: FILE, line: 32 });
    expect(traced(agent).plan.sourceLocation).toEqual({ file: FILE, line: 38 });
    // the same definition for every instance
    expect(traced(new Agent()).answer.sourceLocation).toBe(traced(agent).answer.sourceLocation);
  });

  it("gives the function's line for a bundle made in a field initializer", () => {
    expect(new Agent().polish.sourceLocation).toEqual({ file: FILE, line: 44 });
  });
});

describe("headPattern", () => {
  it("matches a function or method head in written TypeScript, not calls of the same name", () => {
    const fn = headPattern("async function* walk(root) {", "function")!;
    expect(fn.test("export async function* walk<T>(root: T) {")).toBe(true);
    expect(fn.test("const x = walk(root);")).toBe(false);
    const method = headPattern("answer(q) {", "method")!;
    expect(method.test("  public override answer(q: string): string {")).toBe(true);
    expect(method.test("    return this.answer(q);")).toBe(false);
    expect(method.test("    const unanswer = 1; unanswer(q);")).toBe(false);
  });

  it("has nothing to look for in anonymous functions and arrows", () => {
    expect(headPattern("(a, b) => a * b", "function")).toBeUndefined();
    expect(headPattern("function (a) {", "function")).toBeUndefined();
    expect(headPattern("x => x", "function")).toBeUndefined();
  });
});
