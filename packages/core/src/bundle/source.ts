import { type AstNode, isAstNode, PositionMap, walk } from "../code/ast.js";
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
  return reindent(text, false);
}

/**
 * The captured source as it is shown and stored: `dedent`ed, then, when its indentation steps are
 * 4 spaces (how tsc and swc print every compiled file, whatever the original used), re-indented
 * with 2-space steps, the common style of TypeScript projects and of the code optimizers suggest, so
 * a suggested rewrite diffs against it without whitespace churn. Each leading run of `n` spaces
 * becomes `2·⌊n/4⌋ + n mod 4` (a JSDoc line's ` * ` stays aligned). Lines inside multi-line template
 * literals are left alone; text indented with tabs or with other steps is only dedented.
 */
export function normalizeIndentation(text: string): string {
  return reindent(text, true);
}

function reindent(text: string, halveFourSpaceSteps: boolean): string {
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
  if (!Number.isFinite(min)) return text;
  const dedented =
    min === 0
      ? lines
      : lines.map((line, i) => (i === 0 || keep?.has(i) ? line : line.slice(Math.min(min, indentOf(line)))));
  if (!halveFourSpaceSteps || !hasFourSpaceSteps(dedented, keep)) return dedented.join("\n");
  return dedented
    .map((line, i) => {
      if (i === 0 || keep?.has(i)) return line;
      const n = /^ */.exec(line)![0].length;
      return " ".repeat(2 * Math.floor(n / 4) + (n % 4)) + line.slice(n);
    })
    .join("\n");
}

/**
 * Whether lines 2..n (outside template literals) are indented with spaces only, in multiples of 4
 * with at least one indented line (comment continuation lines, which start with `*`, may be off by
 * one).
 */
function hasFourSpaceSteps(lines: readonly string[], keep: ReadonlySet<number> | undefined): boolean {
  let indented = false;
  for (let i = 1; i < lines.length; i++) {
    if (keep?.has(i)) continue;
    const line = lines[i]!;
    if (line.trim() === "") continue;
    const lead = /^[ \t]*/.exec(line)![0];
    if (lead.includes("\t")) return false;
    if (lead.length === 0) continue;
    indented = true;
    if (lead.length % 4 !== 0 && !line.trimStart().startsWith("*")) return false;
  }
  return indented;
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

/** Nodes whose `left` may assign to names without declaring them. */
const ASSIGNING: ReadonlySet<string> = new Set(["AssignmentExpression", "ForOfStatement", "ForInStatement"]);
/** Fields whose identifier is a property name or a label, not a variable. */
const NAME_FIELDS: Readonly<Record<string, readonly string[]>> = {
  MemberExpression: ["property"],
  SuperPropExpression: ["property"],
  KeyValueProperty: ["key"],
  KeyValuePatternProperty: ["key"],
  MethodProperty: ["key"],
  GetterProperty: ["key"],
  SetterProperty: ["key"],
  ClassMethod: ["key"],
  ClassProperty: ["key"],
  PrivateMethod: ["key"],
  PrivateProperty: ["key"],
  LabeledStatement: ["label"],
  BreakStatement: ["label"],
  ContinueStatement: ["label"],
};
/** Fields that declare a name (function and class names). */
const DECLARING_FIELDS: Readonly<Record<string, string>> = {
  FunctionDeclaration: "identifier",
  FunctionExpression: "identifier",
  ClassDeclaration: "identifier",
  ClassExpression: "identifier",
};

/**
 * The names a function's JavaScript source reads from outside itself: identifiers used as
 * variables that no parameter, variable, function, class or catch clause inside it declares. A
 * scan, not a full scope analysis: a name declared anywhere in the function counts as declared
 * everywhere in it (so a few free names may be missed, but none is reported wrongly). Built-ins are
 * not removed here.
 *
 * @param js the function's JavaScript text (a method shorthand, a function or an arrow)
 * @param wrap how to make it an expression: `({ js })` for a method, `(js)` otherwise
 * @returns the free names, sorted, or undefined when the text does not parse
 */
export function freeNames(js: string, wrap: "object" | "paren"): string[] | undefined {
  const text = wrap === "object" ? `({\n${js}\n})` : `(\n${js}\n)`;
  let module: AstNode;
  try {
    module = swc().parseSync(text, { syntax: "ecmascript", target: "es2022" }) as AstNode;
  } catch {
    return undefined;
  }
  const declared = new Set<string>();
  const used: string[] = [];
  const skipped = new Set<unknown>();
  const assigned = new Set<unknown>();
  walk(module, (node) => {
    if (ASSIGNING.has(node.type)) {
      const left = node.left;
      // `x = 1`, `[x] = a`, `for (x of a)`: targets written without a declaration are outer names
      if (isAstNode(left) && left.type !== "VariableDeclaration")
        walk(left, (n) => {
          if (n.type === "Identifier" && "typeAnnotation" in n) assigned.add(n);
        });
    }
    for (const field of NAME_FIELDS[node.type] ?? []) {
      const target = node[field];
      if (isIdentifier(target)) skipped.add(target);
    }
    const declaring = DECLARING_FIELDS[node.type];
    if (declaring !== undefined && isIdentifier(node[declaring])) {
      const id = node[declaring] as AstNode;
      declared.add(String(id.value));
      skipped.add(id);
    }
    if (node.type !== "Identifier" || skipped.has(node)) return;
    // swc gives binding identifiers (parameters, variables, catch clauses, pattern targets) a
    // `typeAnnotation` field; identifiers that read a variable have none
    if ("typeAnnotation" in node && !assigned.has(node)) declared.add(String(node.value));
    else used.push(String(node.value));
  });
  return [...new Set(used.filter((name) => !declared.has(name)))].sort();
}

function isIdentifier(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as { type?: unknown }).type === "Identifier";
}
