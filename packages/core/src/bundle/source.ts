import { type AstNode, PositionMap, walk } from "../code/ast.js";
import { swc } from "../code/swc.js";

/**
 * The text `Function.prototype.toString` gives for `fn`, or undefined for native and bound
 * functions (whose source is `[native code]`). For a class method it starts at the method name;
 * types are already stripped by the compiler; lines after the first keep the compiled file's
 * indentation (see `dedent`).
 */
export function rawSource(fn: (...args: never[]) => unknown): string | undefined {
  let text: string;
  try {
    text = Function.prototype.toString.call(fn);
  } catch {
    return undefined;
  }
  return /\{\s*\[native code\]\s*\}\s*$/.test(text) ? undefined : text;
}

/**
 * Removes the common indentation of lines 2..n (line 1 starts at the function itself), so a
 * method captured from a tsc build (body at 12 spaces) and from swc under jest (8 spaces) reads
 * the same. Lines that begin inside a multi-line template literal are left alone: their leading
 * spaces are part of a string.
 */
export function dedent(text: string): string {
  const lines = text.split("\n");
  if (lines.length < 2) return text;
  const keep = text.includes("`") ? templateLines(text) : undefined;
  let min = Number.POSITIVE_INFINITY;
  for (let i = 1; i < lines.length; i++) {
    if (keep?.has(i)) continue;
    const line = lines[i]!;
    if (line.trim() === "") continue;
    min = Math.min(min, indentOf(line));
  }
  if (!Number.isFinite(min) || min === 0) return text;
  return lines
    .map((line, i) => (i === 0 || keep?.has(i) ? line : line.slice(Math.min(min, indentOf(line)))))
    .join("\n");
}

function indentOf(line: string): number {
  return /^[ \t]*/.exec(line)![0].length;
}

/** 0-based indices of lines that start inside a template literal's text. */
function templateLines(text: string): Set<number> {
  const lines = new Set<number>();
  for (const wrap of [
    ["({\n", "\n})"],
    ["(\n", "\n)"],
  ] as const) {
    let module: AstNode;
    try {
      module = swc().parseSync(wrap[0] + text + wrap[1], {
        syntax: "ecmascript",
        target: "es2022",
      }) as AstNode;
    } catch {
      continue;
    }
    const wrapped = wrap[0] + text + wrap[1];
    const positions = new PositionMap(wrapped, module.span?.start ?? 1);
    const offset = wrap[0].length;
    walk(module, (node) => {
      if (node.type !== "TemplateElement" || !node.span) return;
      const start = positions.index(node.span.start) - offset;
      const end = positions.index(node.span.end) - offset;
      let line = 0;
      for (let i = 0; i < end && i < text.length; i++) {
        if (text.charCodeAt(i) !== 10) continue;
        line++;
        if (i >= start) lines.add(line); // the line after this newline starts inside the literal
      }
    });
    return lines;
  }
  return lines;
}
