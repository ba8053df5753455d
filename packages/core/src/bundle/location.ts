import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseStack } from "../code/stack.js";

/**
 * Where a bundle's source starts in the user's file: the file (a path, or the URL V8 reports when
 * it is not a `file:` URL) and the 1-based line of the function or method head.
 *
 * Positions are the ones stack traces show: under a source-mapping runner (jest with swc,
 * `node --enable-source-maps`, tsx) the line in the TypeScript file; for code compiled without
 * source maps, the line in the compiled `.js` file.
 */
export interface BundleSourceLocation {
  /** File path (or script URL). */
  readonly file: string;
  /** 1-based line where the function (or method) starts. */
  readonly line: number;
}

/** The stack captured where a bundle was declared, resolved to a location on demand. */
export interface DefinitionSite {
  /** The captured stack text (formatted lazily by V8 on first read). */
  readonly holder: { stack?: string };
}

/** Frames to capture: the decorator helpers of swc and tsc take up to five before the class. */
const FRAMES = 8;

/**
 * Captures the stack above `below` (the `bundle` function, or the decorator a class applies):
 * only a few frames, formatted only when the location is asked for.
 */
export function captureDefinitionSite(below: (...args: never[]) => unknown): DefinitionSite {
  const holder: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = FRAMES;
    Error.captureStackTrace(holder, below);
  } catch {
    // a locked-down `Error` (frozen stackTraceLimit): no location, the bundle still works
  } finally {
    try {
      Error.stackTraceLimit = limit;
    } catch {
      // unchanged, since it could not be set
    }
  }
  return { holder };
}

/** Frames of decorator-application helpers (swc, tsc, tslib, Babel) and class static blocks. */
const HELPER =
  /^(?:<static_initializer>|_?_?apply_?[Dd]ecs\w*|applyDec\w*|applyMemberDec\w*|applyClassDec\w*|__esDecorate|__runInitializers|__decorate\w*|_decorate\w*)$/;

/**
 * The declaration's location: the first stack frame outside decorator helpers gives the line of the
 * `bundle(...)` call or of the class; when the file is readable, the line is moved forward to the
 * first line at or after it where the function's head (`function name(`, `name(` for a method)
 * appears. Undefined when no frame has a position.
 *
 * @param site the captured stack
 * @param firstLine the first line of the function's source (`Function.prototype.toString`)
 * @param form how the bundle was declared
 */
export function resolveSourceLocation(
  site: DefinitionSite,
  firstLine: string | undefined,
  form: "function" | "method",
): BundleSourceLocation | undefined {
  let text: unknown;
  try {
    text = site.holder.stack;
  } catch {
    return undefined;
  }
  if (typeof text !== "string") return undefined;
  const frame = parseStack(text).find(
    (f) =>
      f.file !== undefined &&
      f.line !== undefined &&
      !(f.functionName !== undefined && HELPER.test(f.functionName)) &&
      !f.file.startsWith("node:") &&
      !/[\\/]node_modules[\\/]tslib[\\/]/.test(f.file),
  );
  if (frame?.file === undefined || frame.line === undefined) return undefined;
  const file = frame.file.startsWith("file:") ? safePath(frame.file) : frame.file;
  const head = firstLine === undefined ? undefined : headPattern(firstLine, form);
  const lines = head === undefined ? undefined : readLines(file);
  if (lines !== undefined && head !== undefined) {
    for (let i = frame.line - 1; i < lines.length; i++) {
      if (head.test(lines[i]!)) return { file, line: i + 1 };
    }
  }
  return { file, line: frame.line };
}

function safePath(url: string): string {
  try {
    return fileURLToPath(url);
  } catch {
    return url;
  }
}

function readLines(file: string): string[] | undefined {
  try {
    return readFileSync(file, "utf8").split(/\r?\n/);
  } catch {
    return undefined;
  }
}

/**
 * A pattern matching the head of a function in its written source, from the first line of its
 * compiled text: the words before the parameter list (`async function* name`, `name`, `get x`),
 * then `(` or `<` (type parameters). Undefined for an anonymous arrow or function, whose head says
 * too little to find.
 */
export function headPattern(firstLine: string, form: "function" | "method"): RegExp | undefined {
  const open = firstLine.indexOf("(");
  if (open <= 0) return undefined;
  const before = firstLine.slice(0, open).trim();
  if (before === "" || before.includes("=>") || before.includes("=")) return undefined;
  const tokens = before.split(/\s+|(?=\*)|(?<=\*)/).filter((t) => t !== "");
  if (tokens.length === 0) return undefined;
  const last = tokens[tokens.length - 1]!;
  if (form === "function" && (last === "function" || last === "*")) return undefined; // anonymous
  const body = tokens.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("\\s*");
  return new RegExp(`(?<![\\w$.#])${body}\\s*[<(]`);
}
