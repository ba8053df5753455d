import { SourceMap, type SourceMapPayload } from "node:module";
import { annotateSource } from "./annotate.js";
import { type AstNode, child, children, PositionMap, walk } from "./ast.js";
import { CodeCompileError } from "./errors.js";
import { swc } from "./swc.js";

/** How a function's source is written. */
export type FunctionKind = "method" | "function" | "arrow";

/** One parameter of a function, as written in its (type-free) source. */
export interface ParamInfo {
  /** The parameter's identifier, or undefined for a destructuring pattern. */
  readonly name: string | undefined;
  /** Whether it is a rest parameter (`...args`). */
  readonly rest: boolean;
  /** Whether it has a default value (`b = 2`). */
  readonly hasDefault: boolean;
  /** The parameter's source text, whitespace collapsed (e.g. `b = 2`). */
  readonly text: string;
  /** The default value's source text, when there is one. */
  readonly defaultText: string | undefined;
}

/** What the optimizer must keep: kind, name, async/generator and the parameter list. */
export interface FunctionShape {
  /** Method shorthand (`add(a) {…}`), function (`function add(a) {…}`) or arrow (`(a) => …`). */
  readonly kind: FunctionKind;
  /** The function's name (undefined for anonymous functions, arrows and computed keys). */
  readonly name: string | undefined;
  /** Whether it is `async`. */
  readonly isAsync: boolean;
  /** Whether it is a generator (`*name() {…}`). */
  readonly isGenerator: boolean;
  /** The parameters in order. */
  readonly params: readonly ParamInfo[];
}

/** Where a function body starts (see `ParsedFunction.functionBodies`). */
export type FunctionBody =
  | { readonly kind: "block"; readonly open: number }
  | { readonly kind: "expression"; readonly start: number; readonly end: number };

/** A construct trainable code may not use, found while parsing. */
export interface ForbiddenUse {
  /** What it is, phrased for an error message. */
  readonly what: string;
  /** Index into `ParsedFunction.js`. */
  readonly index: number;
}

/** A function's source parsed for compilation. */
export interface ParsedFunction {
  /** The source as given. */
  readonly source: string;
  /** Whether the source was TypeScript (then `js` is its type-stripped form). */
  readonly language: "javascript" | "typescript";
  /** JavaScript text of the function. */
  readonly js: string;
  /** Kind, name, async/generator and parameters. */
  readonly shape: FunctionShape;
  /** How `js` must be wrapped to be an expression: `({ js })` for a method, `(js)` otherwise. */
  readonly wrap: "object" | "paren";
  /** `[start, end)` indices into `js` of every loop body (for time-limit guards). */
  readonly loopBodies: readonly (readonly [number, number])[];
  /**
   * Every function body in `js` (the function itself and any nested function, arrow, method,
   * getter or setter), for guards at function entry: `block` bodies as the index just after their
   * `{`, `expression` bodies of arrows as `[start, end)`.
   */
  readonly functionBodies: readonly FunctionBody[];
  /** Constructs trainable code may not use. */
  readonly forbidden: readonly ForbiddenUse[];
  /** Maps a 1-based line of `js` to the 1-based line of `source` it came from. */
  sourceLine(jsLine: number): number | undefined;
}

const PREFIX = { object: "({\n", paren: "(\n" } as const;
const SUFFIX = { object: "\n})", paren: "\n)" } as const;
const LOOPS = new Set([
  "WhileStatement",
  "DoWhileStatement",
  "ForStatement",
  "ForInStatement",
  "ForOfStatement",
]);
/** Property names that reach a realm's `Function` or bypass strict-mode protections. */
export const BLOCKED_PROPERTIES: ReadonlySet<string> = new Set([
  "constructor",
  "__proto__",
  "__defineGetter__",
  "__defineSetter__",
  "__lookupGetter__",
  "__lookupSetter__",
  "caller",
  "callee",
]);

const FUNCTIONS = new Set([
  "FunctionExpression",
  "FunctionDeclaration",
  "ArrowFunctionExpression",
  "MethodProperty",
  "GetterProperty",
  "SetterProperty",
  "ClassMethod",
  "Constructor",
]);
/** Identifiers starting with this are trace-ts's own (guards, scope) and may not appear in suggested code. */
export const INTERNAL_PREFIX = "__trace$";

const parseCache = new Map<string, ParsedFunction | CodeCompileError>();
const PARSE_CACHE_LIMIT = 512;

/**
 * Parses the source of one function — a method shorthand (what `Function.prototype.toString`
 * gives for a class method), a function expression or declaration, or an arrow function — written
 * in JavaScript or TypeScript (types are stripped with swc). Results are cached per source text.
 *
 * @param source the function's source
 * @param name the function's name, for error messages
 * @throws CodeCompileError when the source is not exactly one parseable function
 */
export function parseFunction(source: unknown, name: string): ParsedFunction {
  if (typeof source !== "string") {
    throw new CodeCompileError(
      name,
      `the code must be a string, not ${source === null ? "null" : typeof source}`,
    );
  }
  const cached = parseCache.get(source);
  if (cached !== undefined) {
    if (cached instanceof CodeCompileError) throw rename(cached, name);
    return cached;
  }
  let result: ParsedFunction | CodeCompileError;
  try {
    result = parseUncached(source, name);
  } catch (error) {
    if (!(error instanceof CodeCompileError)) throw error;
    result = error;
  }
  if (parseCache.size >= PARSE_CACHE_LIMIT) parseCache.clear();
  parseCache.set(source, result);
  if (result instanceof CodeCompileError) throw result;
  return result;
}

function rename(error: CodeCompileError, name: string): CodeCompileError {
  const problem = error.message.replace(/^code for .*? does not compile(?: \(line \d+\))?: /, "");
  return new CodeCompileError(
    name,
    problem.replace(/\. Fix the code and set it again.*$/, ""),
    error.line,
    error.annotatedSource,
  );
}

function parseUncached(source: string, name: string): ParsedFunction {
  const trimmed = source.replace(/[\s;]+$/, "");
  if (trimmed.trim() === "") throw new CodeCompileError(name, "the code is empty");
  for (const wrap of ["object", "paren"] as const) {
    const found = tryParse(trimmed, wrap, "ecmascript");
    if (found) return analyse(source, trimmed, wrap, found, "javascript", identityLines);
  }
  for (const wrap of ["object", "paren"] as const) {
    if (tryParse(trimmed, wrap, "typescript")) return fromTypeScript(source, trimmed, wrap, name);
  }
  throw describeParseFailure(source, trimmed, name);
}

/** Parses `text` wrapped as an expression; returns the function node when it is exactly one function. */
function tryParse(text: string, wrap: "object" | "paren", syntax: "ecmascript" | "typescript") {
  let module: unknown;
  try {
    module = swc().parseSync(PREFIX[wrap] + text + SUFFIX[wrap], { syntax, target: "es2022" });
  } catch {
    return undefined;
  }
  return singleFunction(module as AstNode, wrap);
}

interface Found {
  readonly module: AstNode;
  readonly fn: AstNode;
}

function singleFunction(module: AstNode, wrap: "object" | "paren"): Found | undefined {
  const body = children(module, "body");
  if (body.length !== 1 || body[0]!.type !== "ExpressionStatement") return undefined;
  let expr = child(body[0]!, "expression");
  while (expr?.type === "ParenthesisExpression") {
    const inner = child(expr, "expression");
    if (wrap === "object" && inner?.type === "ObjectExpression") {
      const props = children(inner, "properties");
      const all = inner.properties;
      if (!Array.isArray(all) || all.length !== 1 || props.length !== 1) return undefined;
      return props[0]!.type === "MethodProperty" ? { module, fn: props[0]! } : undefined;
    }
    expr = inner;
  }
  if (wrap !== "paren" || expr === undefined) return undefined;
  return expr.type === "FunctionExpression" || expr.type === "ArrowFunctionExpression"
    ? { module, fn: expr }
    : undefined;
}

function identityLines(line: number): number {
  return line;
}

/** Strips the types of a TypeScript function with swc and parses the JavaScript it becomes. */
function fromTypeScript(
  source: string,
  trimmed: string,
  wrap: "object" | "paren",
  name: string,
): ParsedFunction {
  let out: { code: string; map?: string };
  try {
    out = swc().transformSync(PREFIX[wrap] + trimmed + SUFFIX[wrap], {
      filename: "suggested.ts",
      jsc: { parser: { syntax: "typescript" }, target: "es2022", preserveAllComments: true },
      sourceMaps: true,
      isModule: false,
      swcrc: false,
      configFile: false,
    });
  } catch (error) {
    throw new CodeCompileError(name, `TypeScript could not be converted: ${firstLine(error)}`);
  }
  // the output is the same wrapped expression; cut the function back out of it
  const code = out.code.replace(/;\s*$/, "");
  const open = wrap === "object" ? code.indexOf("{") + 1 : code.indexOf("(") + 1;
  const close = wrap === "object" ? code.lastIndexOf("}") : code.lastIndexOf(")");
  let start = open;
  while (start < close && /\s/.test(code[start]!)) start++;
  let end = close;
  while (end > start && /\s/.test(code[end - 1]!)) end--;
  const js = code.slice(start, end);
  const found = tryParse(js, wrap, "ecmascript");
  if (!found)
    throw new CodeCompileError(name, "the TypeScript did not convert to a single JavaScript function");
  const lineShift = countLines(code, start) - 1; // js line 1 is output line 1 + lineShift
  const lines = sourceLineMapper(out.map, code, lineShift, wrap);
  return analyse(source, js, wrap, found, "typescript", lines);
}

/** Maps a line of the stripped JavaScript back to the TypeScript source through swc's source map. */
function sourceLineMapper(
  map: string | undefined,
  output: string,
  lineShift: number,
  wrap: "object" | "paren",
): (jsLine: number) => number | undefined {
  if (map === undefined) return () => undefined;
  let decoded: SourceMap | undefined;
  const outputLines = output.split("\n");
  const prefixLines = PREFIX[wrap].split("\n").length - 1;
  return (jsLine) => {
    decoded ??= new SourceMap(JSON.parse(map) as SourceMapPayload);
    const outLine = jsLine - 1 + lineShift; // 0-based
    const indent = Math.max(0, (outputLines[outLine] ?? "").search(/\S/));
    const entry = decoded.findEntry(outLine, indent) as { originalLine?: number; generatedLine?: number };
    if (entry.originalLine === undefined || entry.generatedLine !== outLine) return undefined;
    const original = entry.originalLine + 1 - prefixLines; // 1-based line in the source
    return original >= 1 ? original : undefined;
  };
}

/** Builds the parsed function: shape, loop bodies and forbidden constructs, as indices into `js`. */
function analyse(
  source: string,
  js: string,
  wrap: "object" | "paren",
  found: Found,
  language: "javascript" | "typescript",
  sourceLine: (jsLine: number) => number | undefined,
): ParsedFunction {
  const wrapped = PREFIX[wrap] + js + SUFFIX[wrap];
  const positions = new PositionMap(wrapped, found.module.span?.start ?? 1);
  const offset = PREFIX[wrap].length;
  const at = (pos: number): number => positions.index(pos) - offset;
  const slice = (start: number, end: number): string => js.slice(at(start), at(end));
  const { fn } = found;

  const params: ParamInfo[] = [];
  const rawParams = children(fn, "params");
  for (const raw of rawParams) {
    const pat = raw.type === "Parameter" ? child(raw, "pat") : raw;
    if (!pat) continue;
    params.push(paramInfo(raw, pat, slice));
  }
  let name: string | undefined;
  let kind: FunctionKind;
  if (fn.type === "MethodProperty") {
    kind = "method";
    const key = child(fn, "key");
    if (key?.type === "Identifier" || key?.type === "StringLiteral") name = String(key.value);
    else if (key?.type === "NumericLiteral") name = String(key.value);
  } else if (fn.type === "FunctionExpression") {
    kind = "function";
    const id = child(fn, "identifier");
    if (id) name = String(id.value);
  } else {
    kind = "arrow";
  }
  const shape: FunctionShape = {
    kind,
    name,
    isAsync: fn.async === true,
    isGenerator: fn.generator === true,
    params,
  };

  const loopBodies: Array<readonly [number, number]> = [];
  const functionBodies: FunctionBody[] = [];
  const forbidden: ForbiddenUse[] = [];
  walk(fn, (node) => {
    const where = node.span ? at(node.span.start) : 0;
    if (LOOPS.has(node.type)) {
      const body = child(node, "body");
      if (body?.span) loopBodies.push([at(body.span.start), at(body.span.end)]);
    }
    if (FUNCTIONS.has(node.type)) {
      const body = child(node, "body") ?? child(child(node, "function") ?? node, "body");
      if (body?.span) {
        if (body.type === "BlockStatement" || body.type === "FunctionBody")
          functionBodies.push({ kind: "block", open: at(body.span.start) + 1 });
        else functionBodies.push({ kind: "expression", start: at(body.span.start), end: at(body.span.end) });
      }
    }
    const problem = forbiddenUse(node);
    if (problem !== undefined) forbidden.push({ what: problem, index: where });
  });
  return { source, language, js, shape, wrap, loopBodies, functionBodies, forbidden, sourceLine };
}

function paramInfo(raw: AstNode, pat: AstNode, slice: (start: number, end: number) => string): ParamInfo {
  const outer = raw.span ?? pat.span!;
  let start = outer.start;
  const restSpan = pat.rest;
  if (pat.type === "RestElement" && isSpan(restSpan)) start = Math.min(start, restSpan.start);
  const text = collapse(slice(start, outer.end));
  if (pat.type === "RestElement") {
    const arg = child(pat, "argument");
    return {
      name: arg?.type === "Identifier" ? String(arg.value) : undefined,
      rest: true,
      hasDefault: false,
      text,
      defaultText: undefined,
    };
  }
  if (pat.type === "AssignmentPattern") {
    const left = child(pat, "left");
    const right = child(pat, "right");
    return {
      name: left?.type === "Identifier" ? String(left.value) : undefined,
      rest: false,
      hasDefault: true,
      text,
      defaultText: right?.span ? slice(right.span.start, right.span.end) : undefined,
    };
  }
  return {
    name: pat.type === "Identifier" ? String(pat.value) : undefined,
    rest: false,
    hasDefault: false,
    text,
    defaultText: undefined,
  };
}

function isSpan(value: unknown): value is { start: number; end: number } {
  return (
    typeof value === "object" && value !== null && typeof (value as { start?: unknown }).start === "number"
  );
}

function forbiddenUse(node: AstNode): string | undefined {
  switch (node.type) {
    case "Identifier":
      return String(node.value).startsWith(INTERNAL_PREFIX)
        ? `the name ${String(node.value)} (names starting with ${INTERNAL_PREFIX} are reserved for trace-ts)`
        : undefined;
    case "CallExpression":
      return child(node, "callee")?.type === "Import" ? "dynamic import()" : undefined;
    case "MetaProperty":
      return node.kind === "import.meta" ? "import.meta" : undefined;
    case "PrivateName":
      return `the private member #${String(node.value)} (private members are only reachable from inside the class body; use a normal property)`;
    case "Super":
      return "super (a recompiled method has no superclass; call a method on this instead)";
    case "MemberExpression":
    case "OptionalChainingExpression": {
      const prop = child(node, "property");
      const key = prop?.type === "Identifier" ? String(prop.value) : computedKey(prop);
      return key !== undefined && BLOCKED_PROPERTIES.has(key) ? `the property '${key}'` : undefined;
    }
    case "AssignmentPatternProperty":
    case "KeyValuePatternProperty": {
      const key = child(node, "key");
      const value =
        key?.type === "Identifier" || key?.type === "StringLiteral" ? String(key.value) : computedKey(key);
      return value !== undefined && BLOCKED_PROPERTIES.has(value) ? `the property '${value}'` : undefined;
    }
    case "StringLiteral":
      return BLOCKED_PROPERTIES.has(String(node.value))
        ? `the property name '${String(node.value)}'`
        : undefined;
    default:
      return undefined;
  }
}

function computedKey(prop: AstNode | undefined): string | undefined {
  if (prop?.type !== "Computed") return undefined;
  const expr = child(prop, "expression");
  if (expr?.type === "StringLiteral") return String(expr.value);
  if (expr?.type === "TemplateLiteral") {
    const quasis = children(expr, "quasis");
    if (quasis.length === 1 && children(expr, "expressions").length === 0) {
      const cooked = quasis[0]!.cooked ?? quasis[0]!.raw;
      return typeof cooked === "string" ? cooked : undefined;
    }
  }
  return undefined;
}

/** Explains why a source is not one parseable function, with the failing line when known. */
function describeParseFailure(source: string, trimmed: string, name: string): CodeCompileError {
  const wrap = intendedWrap(trimmed);
  let message = "it does not parse";
  let line: number | undefined;
  try {
    swc().parseSync(PREFIX[wrap] + trimmed + SUFFIX[wrap], { syntax: "typescript", target: "es2022" });
  } catch (error) {
    const parsed = parseSwcError(error);
    message = parsed.message;
    if (parsed.line !== undefined) line = parsed.line - 1; // the wrapper adds one line on top
  }
  // valid code that is not a single function deserves a clearer message than a syntax error
  try {
    const module = swc().parseSync(trimmed, { syntax: "typescript", target: "es2022" }) as AstNode;
    const kinds = children(module, "body").map((s) => describeStatement(s));
    message = `expected exactly one function (a method like \`${name}(a, b) { … }\`, a function expression or an arrow function), got ${kinds.join(", ") || "nothing"}`;
    line = undefined;
  } catch {
    // keep the syntax error
  }
  if (line !== undefined && (line < 1 || line > source.split("\n").length)) line = undefined;
  return new CodeCompileError(
    name,
    message,
    line,
    line === undefined ? undefined : annotateSource(source, line),
  );
}

function describeStatement(s: AstNode): string {
  if (s.type === "ExpressionStatement") {
    const expr = child(s, "expression");
    return expr
      ? `an expression (${expr.type.replace(/Expression$/, "").toLowerCase() || "value"})`
      : "an expression";
  }
  if (s.type === "FunctionDeclaration") return "a function declaration";
  if (s.type === "VariableDeclaration") return "a variable declaration";
  if (s.type === "ClassDeclaration") return "a class declaration";
  if (s.type.startsWith("Export") || s.type.startsWith("Import")) return "an import/export statement";
  return `a ${s.type
    .replace(/(Statement|Declaration)$/, "")
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase()} statement`;
}

function intendedWrap(text: string): "object" | "paren" {
  const code = text.replace(/^(\s|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/)*/, "");
  if (
    /^(async\s+)?function\b/.test(code) ||
    /^(async\s*)?\(/.test(code) ||
    /^(async\s+)?[\w$]+\s*=>/.test(code)
  )
    return "paren";
  return "object";
}

/**
 * Message and (wrapped-text) line of a swc parse error. swc's text (`Unexpected token \`ident\`.
 * Expected ... , *,  (, [, :, , ?, = or an identifier`) is meant for compiler authors and is
 * sent to the optimizer's model in re-asks, so it is turned into a short plain sentence with the
 * column and the offending token (`unexpected \`a\` at column 5`).
 */
export function parseSwcError(error: unknown): { message: string; line: number | undefined } {
  const text = errorText(error);
  const lines = text.split("\n");
  const head = lines.find((l) => /^\s*x /.test(l));
  const raw = head ? head.replace(/^\s*x\s+/, "").trim() : firstLine(error);
  let line: number | undefined;
  let column: number | undefined;
  let token: string | undefined;
  const caret = lines.findIndex((l) => /^\s*:\s+\^/.test(l));
  for (let i = caret - 1; i >= 0 && caret > 0; i--) {
    const m = /^(\s*(\d+) \| )(.*)$/.exec(lines[i]!);
    if (m) {
      line = Number(m[2]);
      const at = lines[caret]!.indexOf("^") - m[1]!.length;
      if (at >= 0) {
        column = at + 1;
        token = /^(?:[A-Za-z_$][\w$]*|\d+|\S)/.exec(m[3]!.slice(at))?.[0];
      }
      break;
    }
  }
  return { message: plainSyntaxMessage(raw, column, token), line };
}

/** swc's parser message as a short sentence: `unexpected \`x\` at column 5`, `expected \`)\` but found \`{\` …`. */
function plainSyntaxMessage(raw: string, column: number | undefined, token: string | undefined): string {
  const where = column === undefined ? "" : ` at column ${column}`;
  const found = token === undefined ? "" : `\`${token}\``;
  const unexpected = /^Unexpected token `([^`]*)`/.exec(raw);
  if (unexpected) return `unexpected ${found || `\`${unexpected[1]}\``}${where}`;
  const expected = /^Expected (.+?), got (.+)$/.exec(raw);
  if (expected) {
    const wanted = expected[1]!.replace(/^'(.*)'$/, "`$1`");
    const got = found || expected[2]!.replace(/^'(.*)'$/, "`$1`");
    // a list of alternatives is noise for a model: name only what was found
    if (/,|\.\.\./.test(wanted.replace(/^`.*`$/, ""))) return `unexpected ${got}${where}`;
    return `expected ${wanted} but found ${got}${where}`;
  }
  if (raw === "Expected ident") return `expected a name${found ? ` but found ${found}` : ""}${where}`;
  const sentence = raw.replace(/\.$/, "");
  const lower = /^[A-Z][a-z]/.test(sentence)
    ? sentence.charAt(0).toLowerCase() + sentence.slice(1)
    : sentence;
  return `${lower}${where}`;
}

/** An error's message; swc's errors may come from another realm (under jest), where `instanceof Error` fails. */
function errorText(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : String(error);
}

function firstLine(error: unknown): string {
  const text = errorText(error);
  return (
    text
      .split("\n")
      .find((l) => l.trim() !== "")
      ?.trim() ?? "unknown error"
  );
}

function collapse(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function countLines(text: string, end: number): number {
  let n = 1;
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}
