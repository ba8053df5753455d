import type { ParsedFunction } from "./parse.js";
import { swc } from "./swc.js";

const cache = new Map<string, string | null>();
const CACHE_LIMIT = 512;

/**
 * The function printed without comments or formatting (swc's minifying printer, no compression or
 * renaming), or undefined when it cannot be printed. Two sources with the same canonical form
 * differ only in whitespace, comments or types: e.g. the same method captured from a tsc build
 * (12-space indent) and from swc under jest (8 spaces).
 */
export function canonicalForm(parsed: ParsedFunction): string | undefined {
  const hit = cache.get(parsed.js);
  if (hit !== undefined) return hit ?? undefined;
  let result: string | null = null;
  try {
    const wrapped = parsed.wrap === "object" ? `({\n${parsed.js}\n})` : `(\n${parsed.js}\n)`;
    result = swc()
      .transformSync(wrapped, {
        jsc: {
          parser: { syntax: "ecmascript" },
          target: "es2022",
          minify: { compress: false, mangle: false },
        },
        minify: true,
        isModule: false,
        swcrc: false,
        configFile: false,
      })
      .code.trim();
  } catch {
    result = null;
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(parsed.js, result);
  return result ?? undefined;
}
