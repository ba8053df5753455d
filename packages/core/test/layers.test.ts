/**
 * Layering of the source trees: no import cycle in any package (scripts/check-cycles.mjs, also run
 * by CI), `graph/` independent of the operations and of backward, `llm/` independent of `di/`.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "@jest/globals";
import {
  checkDirs,
  findCycles,
  importGraph,
  packageSourceDirs,
  parseImports,
} from "../../../scripts/check-cycles.mjs";
import { Node, node } from "../src/index.js";

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
const coreSrc = join(repoRoot, "packages/core/src");

/** Every import (type-only ones included) of the `.ts` files under `dir`, as `file → specifier`. */
function importsUnder(dir: string): Array<{ file: string; specifier: string }> {
  const out: Array<{ file: string; specifier: string }> = [];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".ts")) continue;
    const file = join(entry.parentPath, entry.name);
    for (const { specifier } of parseImports(readFileSync(file, "utf8"))) out.push({ file, specifier });
  }
  return out;
}

/** The imports under `from` that resolve into `into` (a directory), listed as `file → specifier`. */
function importsInto(from: string, into: string): string[] {
  return importsUnder(from)
    .filter(({ file, specifier }) => {
      if (!specifier.startsWith(".")) return false;
      const target = join(dirname(file), specifier);
      return target === into || target.startsWith(`${into}/`);
    })
    .map(({ file, specifier }) => `${file.slice(coreSrc.length + 1)} → ${specifier}`);
}

describe("import cycles", () => {
  const scratch: string[] = [];
  afterAll(() => {
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  test("no package has a run-time import cycle", () => {
    const dirs = packageSourceDirs(repoRoot);
    expect(dirs.map((d) => d.slice(repoRoot.length))).toContain("packages/core/src");
    const { ok, lines } = checkDirs(dirs, repoRoot);
    expect(lines.filter((l) => !l.startsWith("check-cycles: OK"))).toEqual([]);
    expect(ok).toBe(true);
  });

  test("the checker finds a cycle in a fixture tree, and ignores type-only and dynamic imports", () => {
    const dir = mkdtempSync(join(tmpdir(), "layers-"));
    scratch.push(dir);
    mkdirSync(join(dir, "graph"));
    mkdirSync(join(dir, "ops"));
    const files: Record<string, string> = {
      // a → b → index → a, through a multi-line import, an `export … from` and a side-effect import
      "graph/a.ts":
        'import {\n  b,\n  type B,\n} from "../ops/b.js";\nexport const a = b;\nexport type { B };\n',
      "ops/b.ts": 'export { c as b } from "./index.js";\nexport type B = number;\n',
      "ops/index.ts": 'import "../graph/a.js";\nexport const c = 1;\n',
      // none of these is a run-time edge back to d
      "graph/d.ts": 'import { e } from "./e.js";\nexport const d = e;\n',
      "graph/e.ts": [
        'import type { D } from "./types.js";',
        'import { type d } from "./d.js";',
        'export type { d as dd } from "./d.js";',
        "// import { d } from './d.js';",
        '/* export * from "./d.js"; */',
        // a template literal whose placeholder holds a "}" string
        'const text = `import { d } from "./d.js" $' + '{"}"}`;',
        "const re = /[\"'`]/g;",
        'export const e = async () => (await import("./d.js")).d;',
        'declare module "./d.js" {\n  import { d } from "./d.js";\n}',
        "export type { D };",
        "export { text, re };",
      ].join("\n"),
      "graph/types.ts": 'import { d } from "./d.js";\nexport type D = typeof d;\n',
      // a file importing itself is a cycle too
      "self.ts": 'import * as self from "./self.js";\nexport const x = self;\n',
    };
    for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);

    const cycles = findCycles(dir);
    expect(cycles).toEqual([
      {
        files: ["graph/a.ts", "ops/b.ts", "ops/index.ts"],
        path: ["graph/a.ts", "ops/b.ts", "ops/index.ts", "graph/a.ts"],
      },
      { files: ["self.ts"], path: ["self.ts", "self.ts"] },
    ]);
    const report = checkDirs([dir], dir);
    expect(report.ok).toBe(false);
    expect(report.lines).toContain(
      "import cycle in . (3 files): graph/a.ts → ops/b.ts → ops/index.ts → graph/a.ts",
    );
    expect(report.lines.at(-1)).toBe("check-cycles: 2 import cycle(s) in .");

    // breaking the cycle with a type-only import makes the tree pass
    writeFileSync(
      join(dir, "ops/index.ts"),
      'export type { a } from "../graph/a.js";\nexport const c = 1;\n',
    );
    rmSync(join(dir, "self.ts"));
    expect(findCycles(dir)).toEqual([]);
    expect(checkDirs([dir], dir).ok).toBe(true);
  });

  test("parseImports tells run-time imports from type-only ones", () => {
    const parsed = parseImports(
      [
        'import x, { type A } from "./default.js";',
        'import type { B } from "./type.js";',
        'import { type C, type D as E } from "./types.js";',
        'import { type, type as alias } from "./named-type.js";',
        'import * as ns from "./ns.js";',
        'export * from "./star.js";',
        'export type * from "./type-star.js";',
        'export { f } from "./f.js";',
        "export { x };",
        "export const s = \"import { z } from './z.js'\";",
        'import "./side-effect.js";',
      ].join("\n"),
    );
    expect(parsed).toEqual([
      { specifier: "./default.js", typeOnly: false },
      { specifier: "./type.js", typeOnly: true },
      { specifier: "./types.js", typeOnly: true },
      { specifier: "./named-type.js", typeOnly: false },
      { specifier: "./ns.js", typeOnly: false },
      { specifier: "./star.js", typeOnly: false },
      { specifier: "./type-star.js", typeOnly: true },
      { specifier: "./f.js", typeOnly: false },
      { specifier: "./side-effect.js", typeOnly: false },
    ]);
  });
});

/**
 * The layers of core, lowest first (the diagram in docs/development.md). A folder may import run-time
 * values only from folders of a lower layer; the entry points (`index.ts`, `entry/`) and `testing/`
 * sit on top.
 */
const CORE_LAYERS: readonly (readonly string[])[] = [
  ["errors", "text", "polyfill"],
  ["util"],
  ["graph", "llm"],
  ["backward", "code", "problem", "di"],
  ["ops", "bundle", "render"],
  ["model"],
  ["optim"],
  ["testing", "entry", "index"],
];

/** Run-time imports between folders of core that go sideways or up the layers. */
function layerViolations(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const layerOf = new Map<string, number>();
  CORE_LAYERS.forEach((names, i) => {
    for (const n of names) layerOf.set(n, i);
  });
  const folder = (file: string) => (file.includes("/") ? file.split("/")[0]! : file.replace(/\.ts$/, ""));
  const out: string[] = [];
  for (const [from, targets] of graph) {
    const a = folder(from);
    for (const to of targets) {
      const b = folder(to);
      if (a === b) continue;
      const la = layerOf.get(a);
      const lb = layerOf.get(b);
      if (la === undefined || lb === undefined)
        out.push(`${from} → ${to}: ${la === undefined ? a : b} is in no layer`);
      else if (lb >= la) out.push(`${from} → ${to}: ${a} (layer ${la}) must not import ${b} (layer ${lb})`);
    }
  }
  return out;
}

describe("core layers", () => {
  test("run-time imports only go down the layers of CORE_LAYERS", () => {
    expect(layerViolations(importGraph(coreSrc))).toEqual([]);
  });

  test("the layer check reports an import that goes up", () => {
    const graph = new Map([
      ["llm/types.ts", ["errors/trace-error.ts"]],
      ["graph/node.ts", ["ops/index.ts"]],
      ["llm/call.ts", ["di/container.ts"]],
      ["mystery/x.ts", ["graph/node.ts"]],
    ]);
    expect(layerViolations(graph)).toEqual([
      "graph/node.ts → ops/index.ts: graph (layer 2) must not import ops (layer 4)",
      "llm/call.ts → di/container.ts: llm (layer 2) must not import di (layer 3)",
      "mystery/x.ts → graph/node.ts: mystery is in no layer",
    ]);
  });

  test("graph/ imports nothing from ops/ or backward/, not even types", () => {
    const graph = join(coreSrc, "graph");
    expect(importsInto(graph, join(coreSrc, "ops"))).toEqual([]);
    expect(importsInto(graph, join(coreSrc, "backward"))).toEqual([]);
  });

  test("llm/ imports nothing from di/, not even types", () => {
    expect(importsInto(join(coreSrc, "llm"), join(coreSrc, "di"))).toEqual([]);
  });

  test("the package entry installs the fluent methods on Node, as class methods would be", () => {
    for (const name of ["add", "getItem", "upper", "call", "clone", "backward"]) {
      const descriptor = Object.getOwnPropertyDescriptor(Node.prototype, name) ?? {};
      expect(descriptor).toMatchObject({ enumerable: false, writable: true, configurable: true });
      expect(typeof descriptor.value).toBe("function");
      expect((descriptor.value as { name: string }).name).toBe(name);
    }
    const sum = node(2, { name: "x" }).add(3);
    expect(sum.data).toBe(5);
    expect(sum.op).toBe("add");
    const record = sum.backward("good");
    expect(record.output).toBe(sum);
  });
});
