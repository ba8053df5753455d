import vm from "node:vm";
import { annotateSource } from "./annotate.js";
import { CodeCompileError, CodeForbiddenError } from "./errors.js";
import { type FunctionShape, INTERNAL_PREFIX, type ParsedFunction, parseFunction } from "./parse.js";
import { createSandbox, type Sandbox } from "./sandbox.js";
import { checkSignature } from "./signature.js";

/** Options of `prepareCode`. */
export interface PrepareOptions {
  /** The function's name (error messages, stack frames). */
  readonly name: string;
  /** The names the code may use besides built-ins (from the bundle's `scope`). */
  readonly scopeNames: readonly string[];
  /** The signature the code must keep; unchecked when absent. */
  readonly expected?: FunctionShape;
  /** Whether to insert time-limit guards at loop heads and function entries. */
  readonly guardLoops: boolean;
}

/**
 * Suggested code that parsed, passed the signature and safety checks and compiled, ready to be
 * instantiated in a sandbox. Preparing is what a code parameter's validator does, so an optimizer
 * learns about a broken suggestion before applying it.
 */
export interface PreparedCode {
  /** The parsed function. */
  readonly parsed: ParsedFunction;
  /** The compiled factory script (context independent). */
  readonly script: vm.Script;
  /** The script's file name as it appears in stack frames. */
  readonly filename: string;
  /** The scope names the factory destructures. */
  readonly scopeNames: readonly string[];
  /** Whether loop heads and function entries got time-limit guards. */
  readonly guarded: boolean;
  /** The 1-based line of the suggested source that a 1-based line of the script comes from. */
  sourceLineOf(scriptLine: number): number | undefined;
}

/** A prepared function instantiated in its own `realm` sandbox. */
export interface RealmInstance {
  /** The function (a value of the sandbox realm; call it with sandbox values). */
  readonly fn: (...args: unknown[]) => unknown;
  /**
   * Applies the function's default values: called with sandbox arguments, returns the value of
   * every parameter (a rest parameter as one array). Undefined when it could not be built.
   */
  readonly bind: ((...args: unknown[]) => unknown[]) | undefined;
  /** The realm it runs in. */
  readonly sandbox: Sandbox;
}

const RESERVED = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for function if " +
    "import in instanceof new null return super switch this throw true try typeof var void while with yield let static " +
    "implements interface package private protected public await arguments eval undefined NaN Infinity globalThis"
  ).split(" "),
);
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const INTERNAL = INTERNAL_PREFIX;
const GUARD = `${INTERNAL}g`;

const preparedCache = new Map<string, PreparedCode>();
const PREPARED_CACHE_LIMIT = 256;
let nextScriptId = 1;

/** Why a scope key cannot be a variable name in compiled code, or undefined when it can. */
export function scopeNameProblem(name: string): string | undefined {
  if (!IDENTIFIER.test(name)) return `'${name}' is not an identifier`;
  if (RESERVED.has(name)) return `'${name}' is a reserved word`;
  if (name.startsWith(INTERNAL)) return `'${name}' starts with ${INTERNAL}, which trace-ts reserves`;
  return undefined;
}

/**
 * Parses, checks and compiles suggested source for one function (cached per distinct source,
 * name, scope names and signature). The code must be one function in JavaScript or TypeScript; it
 * must keep the expected signature; it may not use `import()`, `#private` members, `super` or the
 * `constructor`/`__proto__` back doors; and it must compile in strict mode.
 *
 * @throws CodeCompileError, CodeForbiddenError or SignatureChangedError (nothing is changed)
 */
export function prepareCode(source: unknown, options: PrepareOptions): PreparedCode {
  const parsed = parseFunction(source, options.name);
  const key = cacheKey(parsed.source, options);
  const hit = preparedCache.get(key);
  if (hit !== undefined) return hit;
  if (options.expected) checkSignature(options.name, options.expected, parsed.shape);
  const bad = parsed.forbidden[0];
  if (bad !== undefined)
    throw new CodeForbiddenError(options.name, bad.what, parsed.sourceLine(lineAt(parsed.js, bad.index)));
  for (const n of options.scopeNames) {
    const problem = scopeNameProblem(n);
    if (problem !== undefined) throw new CodeCompileError(options.name, `scope name ${problem}`);
  }

  const js = options.guardLoops ? insertGuards(parsed) : parsed.js;
  const header = [
    `(function (${INTERNAL}rt, ${INTERNAL}scope) {`,
    `"use strict";`,
    `${options.scopeNames.length > 0 ? `const { ${options.scopeNames.join(", ")} } = ${INTERNAL}scope; ` : ""}const ${GUARD} = ${INTERNAL}rt.guard;`,
    parsed.wrap === "object" ? `const ${INTERNAL}fn = ${INTERNAL}rt.first(({` : `const ${INTERNAL}fn = (`,
  ];
  const firstLine = header.length + 1;
  const binder = binderSource(parsed.shape);
  const text = [
    ...header,
    js,
    parsed.wrap === "object" ? "}));" : ");",
    `const ${INTERNAL}bind = ${binder ?? "undefined"};`,
    `return [${INTERNAL}fn, ${INTERNAL}bind];`,
    "})",
  ].join("\n");
  const filename = `trace-code:${safeName(options.name)}@${nextScriptId++}`;
  const sourceLineOf = (scriptLine: number): number | undefined => {
    const jsLine = scriptLine - firstLine + 1;
    const lines = parsed.js.split("\n").length;
    return jsLine >= 1 && jsLine <= lines ? parsed.sourceLine(jsLine) : undefined;
  };
  let script: vm.Script;
  try {
    script = new vm.Script(text, { filename });
  } catch (error) {
    const line = syntaxErrorLine(error, filename);
    const sourceLine = line === undefined ? undefined : sourceLineOf(line);
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new CodeCompileError(
      options.name,
      message,
      sourceLine,
      sourceLine === undefined ? undefined : annotateSource(parsed.source, sourceLine),
    );
  }
  const prepared: PreparedCode = {
    parsed,
    script,
    filename,
    scopeNames: [...options.scopeNames],
    guarded: options.guardLoops,
    sourceLineOf,
  };
  if (preparedCache.size >= PREPARED_CACHE_LIMIT) preparedCache.delete(preparedCache.keys().next().value!);
  preparedCache.set(key, prepared);
  return prepared;
}

/**
 * Instantiates prepared code in a fresh `realm` sandbox. Scope values go in through the sandbox's
 * membrane (plain data copied, functions wrapped, other objects behind proxies).
 *
 * @param prepared the output of `prepareCode`
 * @param scope values for the prepared scope names (missing names become undefined)
 */
export function instantiate(prepared: PreparedCode, scope: Readonly<Record<string, unknown>>): RealmInstance {
  const name = prepared.parsed.shape.name ?? "function";
  const sandbox = createSandbox({ name: prepared.filename, functionName: name });
  const values = Object.create(null) as Record<string, unknown>;
  for (const n of prepared.scopeNames) values[n] = sandbox.membrane.toSandbox(scope[n]);
  const factory = sandbox.run(prepared.script) as (rt: unknown, scope: unknown) => unknown;
  // the factory returns a realm array made by trusted code that ran before any suggested code
  const pair = sandbox.exportValue(factory(sandbox.runtime, values), "the compiled code", true) as unknown[];
  const [fn, bind] = pair;
  if (typeof fn !== "function") throw new CodeCompileError(name, "the code did not produce a function");
  return {
    fn: fn as (...args: unknown[]) => unknown,
    bind: typeof bind === "function" ? (bind as (...args: unknown[]) => unknown[]) : undefined,
    sandbox,
  };
}

/**
 * Source of a function with the same parameter list whose body returns every parameter's value:
 * calling it with a call's arguments applies the defaults exactly as the real function would.
 * Destructuring patterns become plain placeholders (the whole argument is the value). Undefined
 * when a default contains a loop, a function or a class (it would run without a time guard).
 */
export function binderSource(shape: FunctionShape): string | undefined {
  const params: string[] = [];
  const names: string[] = [];
  for (const [i, p] of shape.params.entries()) {
    if (p.defaultText !== undefined && /\b(while|for|do|function|class)\b|=>/.test(p.defaultText))
      return undefined;
    const id = p.name ?? `${INTERNAL}p${i}`;
    names.push(id);
    if (p.rest) params.push(`...${id}`);
    else if (p.hasDefault && p.defaultText !== undefined) params.push(`${id} = ${p.defaultText}`);
    else params.push(id);
  }
  return `function (${params.join(", ")}) { return [${names.join(", ")}]; }`;
}

/**
 * Inserts a call to the time-limit guard at the top of every loop body and at the entry of every
 * function (lines do not move): `{g();…}` around loop bodies, `{g();…` for block bodies and
 * `(g(), …)` around the expression body of an arrow.
 */
function insertGuards(parsed: ParsedFunction): string {
  const inserts: Array<[number, number, string]> = []; // index, order (closers first), text
  for (const [start, end] of parsed.loopBodies) {
    inserts.push([start, 1, `{${GUARD}();`]);
    inserts.push([end, 0, "}"]);
  }
  for (const body of parsed.functionBodies) {
    if (body.kind === "block") inserts.push([body.open, 2, `${GUARD}();`]);
    else {
      inserts.push([body.start, 1, `(${GUARD}(), `]);
      inserts.push([body.end, 0, ")"]);
    }
  }
  if (inserts.length === 0) return parsed.js;
  inserts.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let out = "";
  let at = 0;
  for (const [index, , text] of inserts) {
    out += parsed.js.slice(at, index) + text;
    at = index;
  }
  return out + parsed.js.slice(at);
}

function cacheKey(source: string, options: PrepareOptions): string {
  const expected = options.expected;
  const shape = expected
    ? `${expected.isAsync}|${expected.isGenerator}|${expected.name}|${expected.params.map((p) => `${p.rest}:${p.name}`).join(",")}`
    : "";
  return `${options.name}\u0000${options.scopeNames.join(",")}\u0000${options.guardLoops}\u0000${shape}\u0000${source}`;
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_$.#-]/g, "_") || "anonymous";
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** The script line of a SyntaxError thrown by `new vm.Script` (V8 puts `file:line` first in its stack). */
function syntaxErrorLine(error: unknown, filename: string): number | undefined {
  const stack = error instanceof Error ? error.stack : undefined;
  if (typeof stack !== "string") return undefined;
  const first = stack.split("\n")[0] ?? "";
  const match = new RegExp(`${filename.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:(\\d+)`).exec(first);
  return match ? Number(match[1]) : undefined;
}

/**
 * Compiles only the default-applying binder of a function (see `binderSource`) in a fresh sandbox,
 * seeing the given scope. Used for the original function of a bundle, whose body is not
 * recompiled. Values it returns are converted to the host realm.
 *
 * @returns the binder, or undefined when it cannot be built
 */
export function compileBinder(
  shape: FunctionShape,
  scope: Readonly<Record<string, unknown>>,
  name: string,
): ((self: unknown, args: readonly unknown[]) => unknown[]) | undefined {
  const source = binderSource(shape);
  if (source === undefined) return undefined;
  const names = Object.keys(scope).filter((n) => scopeNameProblem(n) === undefined);
  const text = `(function (${INTERNAL}scope) {\n"use strict";\n${
    names.length > 0 ? `const { ${names.join(", ")} } = ${INTERNAL}scope;\n` : ""
  }return ${source};\n})`;
  try {
    const script = new vm.Script(text, { filename: `trace-code:${safeName(name)}@defaults` });
    // the original function's defaults are the user's own code: values pass through unchanged
    const sandbox = createSandbox({ name: `${name} defaults`, functionName: name });
    const values = Object.create(null) as Record<string, unknown>;
    for (const n of names) values[n] = scope[n];
    const bind = (sandbox.run(script) as (scope: unknown) => (...args: unknown[]) => unknown[])(values);
    return (self, args) =>
      sandbox.exportValue(Reflect.apply(bind, self, args), "the defaults", true) as unknown[];
  } catch {
    return undefined;
  }
}
