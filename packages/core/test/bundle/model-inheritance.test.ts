// @model for any class chain, under both decorator compilers: jest compiles fixtures/model-chains.ts
// with swc, and the same source is compiled here with tsc's stage-3 decorator emit
// (ts.transpileModule) into a temp .mjs whose `@trace-ts/core` import jest maps to the sources.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { asModel, isModel, NotAModelError } from "@trace-ts/core";
import ts from "typescript";
import * as swcChains from "./fixtures/model-chains.js";

type Chains = typeof swcChains;

const FIXTURE = fileURLToPath(new URL("./fixtures/model-chains.ts", import.meta.url));
let scratch: string | undefined;
let tscChains: Chains | undefined;

beforeAll(async () => {
  const out = ts.transpileModule(readFileSync(FIXTURE, "utf8"), {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022 },
    fileName: "model-chains.ts",
  });
  // tsc's own stage-3 emit, not swc's
  expect(out.outputText).toContain("__esDecorate");
  scratch = mkdtempSync(join(tmpdir(), "trace-model-chains-"));
  const file = join(scratch, "model-chains.mjs");
  writeFileSync(file, out.outputText);
  tscChains = (await import(pathToFileURL(file).href)) as Chains;
});

afterAll(() => {
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
});

const names = (obj: object): string[] => [...asModel(obj).namedParameters().keys()];

describe.each([
  ["swc", () => swcChains],
  ["tsc", () => tscChains!],
])("model chains compiled by %s", (_compiler, chains) => {
  it("loads a distinct copy of the classes that shares the core module", () => {
    if (_compiler === "tsc") expect(chains().Base).not.toBe(swcChains.Base);
    expect(isModel(new (chains().Base)())).toBe(true);
  });

  it.each([
    ["decorated base + decorated subclass", "DecoratedSub", ["base", "sub", "baseStep", "subStep"]],
    [
      "decorated base + subclass with member decorators only",
      "MemberDecoratedSub",
      ["base", "sub", "baseStep", "subStep"],
    ],
    ["decorated base + undecorated subclass", "PlainSub", ["base", "sub", "baseStep"]],
    [
      "undecorated base + decorated subclass",
      "DecoratedOnUndecorated",
      ["base", "sub", "baseStep", "subStep"],
    ],
    [
      "three levels, with an override (listed once, where the override is declared)",
      "ThirdLevel",
      ["base", "sub", "third", "subStep", "thirdStep", "baseStep"],
    ],
    ["extends Model", "ModelBase", ["base", "baseStep"]],
    ["extends Model + @model", "DecoratedModelSub", ["base", "sub", "baseStep"]],
    ["extends Model + @model + member decorators", "MixedThird", ["base", "sub", "baseStep", "thirdStep"]],
    ["static and instance bundled methods", "StaticSub", ["base", "baseStep", "subStep"]],
  ] as const)("%s: a model whose parameters come from every level, once", (_case, cls, expected) => {
    const Cls = chains()[cls] as new () => object;
    const instance = new Cls();
    expect(isModel(instance)).toBe(true);
    expect(names(instance)).toEqual(expected);
    const params = asModel(instance).parameters();
    expect(new Set(params).size).toBe(params.length);
    expect(params.every((p) => p.trainable)).toBe(true);
    // code parameters are per instance
    const other = asModel(new Cls()).parameters();
    expect(other.some((p) => params.includes(p))).toBe(false);
  });

  it("models of every chain kind are found as fields of a model, each once", () => {
    const outer = new (chains().Outer)();
    expect(names(outer)).toEqual([
      "own",
      "memberDecorated.base",
      "memberDecorated.sub",
      "memberDecorated.baseStep",
      "memberDecorated.subStep",
      "plain.base",
      "plain.sub",
      "plain.baseStep",
      "third.base",
      "third.sub",
      "third.third",
      "third.subStep",
      "third.thirdStep",
      "third.baseStep",
      "mixed.base",
      "mixed.sub",
      "mixed.baseStep",
      "mixed.thirdStep",
    ]);
    expect(Object.keys(asModel(outer).state().parameters)).toEqual(names(outer));
  });

  it("the model methods are there for every chain, and static bundled methods still run", () => {
    const { MemberDecoratedSub, StaticSub, ThirdLevel } = chains();
    const sub = asModel(new MemberDecoratedSub());
    expect(typeof sub.clone).toBe("function");
    const copy = sub.clone();
    expect(isModel(copy)).toBe(true);
    expect(names(copy)).toEqual(names(sub));
    expect(copy.parameters().some((p) => sub.parameters().includes(p))).toBe(false);
    expect(asModel(new ThirdLevel()).state().parameters.baseStep?.kind).toBe("code");
    expect(StaticSub.build("x")).toBeDefined();
    expect(StaticSub.make("y")).toBeDefined();
  });
});

describe("isModel / asModel on other values", () => {
  it("plain objects, class instances and primitives are not models", () => {
    class Plain {
      x = 1;
    }
    for (const value of [{}, new Plain(), [], new Map(), null, undefined, 3, "s"])
      expect(isModel(value)).toBe(false);
    expect(() => asModel(new Plain())).toThrow(NotAModelError);
  });
});
