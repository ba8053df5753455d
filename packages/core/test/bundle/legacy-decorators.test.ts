// Projects compiled with `experimentalDecorators: true` (NestJS, TypeORM, most tsyringe users):
// TypeScript calls decorators the legacy way, and @bundle/@model must say so (not "it decorates
// methods, not strings"); the function form works there unchanged.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import { bundle, DecoratorUsageError, model, node } from "@trace-ts/core";
import { typeCheckSnippets } from "./compile-snippets.js";

type AnyDecorator = (...args: unknown[]) => unknown;

class Legacy {
  classify(text: string): string {
    return text;
  }
  static make(): Legacy {
    return new Legacy();
  }
}
const descriptor = Object.getOwnPropertyDescriptor(Legacy.prototype, "classify");

function legacyError(fn: () => unknown): DecoratorUsageError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DecoratorUsageError) return error;
    throw error;
  }
  throw new Error("expected a DecoratorUsageError");
}

const ADVICE =
  /trace-ts uses standard \(TC39\) decorators: remove experimentalDecorators \(and emitDecoratorMetadata\) from the tsconfig of the files that use @bundle\/@model/;

describe("legacy (experimentalDecorators) decorator calls", () => {
  it("@bundle(options) on a method, (target, key, descriptor), names the switch and the way out", () => {
    const decorate = bundle({ trainable: true }) as unknown as AnyDecorator;
    const error = legacyError(() => decorate(Legacy.prototype, "classify", descriptor));
    expect(error.code).toBe("DECORATOR_USAGE");
    expect(error.message).toMatch(/^@bundle: it was called the legacy way \(on Legacy\.classify\)/);
    expect(error.message).toMatch(ADVICE);
    expect(error.message).toMatch(/separate tsconfig without experimentalDecorators/);
    expect(error.message).toMatch(/bundle\(function name\(\.\.\.\) \{ \.\.\. \}, options\)/);
    expect(error.message).not.toMatch(/not strings/);
  });

  it("a static method, a property, a symbol key, a parameter, and @bundle without parentheses", () => {
    const decorate = bundle() as unknown as AnyDecorator;
    const key = Symbol("run");
    expect(legacyError(() => decorate(Legacy, "make", {})).message).toMatch(/on Legacy\.make/);
    expect(legacyError(() => decorate(Legacy.prototype, "field", undefined)).message).toMatch(ADVICE);
    expect(legacyError(() => decorate(Legacy.prototype, key, {})).message).toMatch(/Symbol\(run\)/);
    expect(legacyError(() => decorate(Legacy.prototype, "classify", 0)).message).toMatch(ADVICE);
    const bare = bundle as unknown as AnyDecorator;
    expect(legacyError(() => bare(Legacy.prototype, "classify", descriptor)).message).toMatch(
      /^@bundle: it was called the legacy way/,
    );
    expect(legacyError(() => bare(Legacy, "make", {})).message).toMatch(ADVICE);
  });

  it("@bundle() on a class, (constructor)", () => {
    const decorate = bundle() as unknown as AnyDecorator;
    const error = legacyError(() => decorate(Legacy));
    expect(error.message).toMatch(/legacy way \(on class Legacy\)/);
    expect(error.message).toMatch(ADVICE);
  });

  it("@model on a class, (constructor), and on a method", () => {
    const decorate = model as unknown as AnyDecorator;
    const onClass = legacyError(() => decorate(Legacy));
    expect(onClass.message).toMatch(/^@model: it was called the legacy way \(on class Legacy\)/);
    expect(onClass.message).toMatch(ADVICE);
    expect(legacyError(() => decorate(Legacy.prototype, "classify", descriptor)).message).toMatch(
      /^@model: .*on Legacy\.classify/,
    );
  });

  it("standard misuse keeps its own message, and the function form is not mistaken for a legacy call", () => {
    const decorate = bundle() as unknown as AnyDecorator;
    expect(
      legacyError(() => decorate(undefined, { kind: "field", name: "x", metadata: {} })).message,
    ).toMatch(/it decorates methods, not fields/);
    const double = bundle(function double(x: number): number {
      return x * 2;
    });
    expect(double(node(2)).data).toBe(4);
    const call = bundle as unknown as AnyDecorator;
    expect(() => call(double, "not options")).toThrow(/must be an object/);
  });
});

/** The first TypeScript block of the docs section on experimentalDecorators. */
function docsExample(): string {
  const doc = readFileSync(new URL("../../../../docs/bundle.md", import.meta.url), "utf8");
  const section = doc.slice(doc.indexOf("## Using trace-ts next to experimentalDecorators"));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (block === null) throw new Error("docs/bundle.md: no TypeScript example in the section");
  return block[1]!;
}

describe("type-checking a project with experimentalDecorators (typescript compiler API)", () => {
  it("the function form and a Model subclass compile; @bundle() on a method is a decorator error", () => {
    const diagnostics = typeCheckSnippets(
      {
        "docs-example.ts": docsExample(),
        "function-form.ts": [
          'import { bundle, Model, node, type MessageNode } from "@trace-ts/core";',
          "export class Agent extends Model {",
          '  prompt = node("Classify the ticket.", { trainable: true });',
          "  classify = bundle(",
          "    function classify(this: Agent, text: string): string {",
          '      return text.includes("refund") ? "billing" : "other";',
          "    },",
          "    { trainable: true },",
          "  );",
          "}",
          "const agent = new Agent();",
          'export const out: MessageNode<string> = agent.classify(node("I want a refund"));',
          "export const code: string = agent.classify.parameter.data;",
        ].join("\n"),
        "decorated.ts": [
          'import { bundle } from "@trace-ts/core";',
          "export class Agent {",
          "  @bundle()",
          "  classify(text: string): string {",
          "    return text;",
          "  }",
          "}",
        ].join("\n"),
      },
      { experimentalDecorators: true, emitDecoratorMetadata: true },
    );
    expect(diagnostics.filter((d) => d.file === "function-form.ts")).toEqual([]);
    expect(diagnostics.filter((d) => d.file === "docs-example.ts")).toEqual([]);
    const decorated = diagnostics.filter((d) => d.file === "decorated.ts");
    expect(decorated.length).toBeGreaterThan(0);
    // TS1241: Unable to resolve signature of method decorator when called as an expression
    expect(decorated.map((d) => [d.code, d.line])).toContainEqual([1241, 3]);
  });
});
