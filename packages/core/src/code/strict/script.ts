/**
 * The script of a strict runner: the suggested function as a value, in strict mode, with the
 * scope names as `const`s, wrapped in a factory (see {@link buildScript}).
 *
 * Built once per runner and compiled once per engine; its line layout is fixed, so script lines
 * map back to lines of the suggested source.
 */
import { CodeCompileError } from "../errors.js";
import type { ParsedFunction } from "../parse.js";

/** Prefix of every name the strict tier adds to the script; scope names may not use it. */
export const INTERNAL_PREFIX = "__trace$";

const RESERVED = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for function if " +
    "import in instanceof new null return super switch this throw true try typeof var void while with yield let static " +
    "implements interface package private protected public await arguments eval undefined NaN Infinity globalThis"
  ).split(" "),
);
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** The script of one runner and how its lines relate to the suggested source. */
export interface StrictScript {
  /** The script text (evaluates to the factory). */
  readonly text: string;
  /** 1-based script line of the function's first line. */
  readonly firstCodeLine: number;
  /** 1-based script line of the function's last line. */
  readonly lastCodeLine: number;
  /** The 1-based line of the suggested source a 1-based script line comes from, if any. */
  sourceLineOf(scriptLine: number): number | undefined;
}

/**
 * Checks that every scope key can be a `const` name in the script.
 *
 * @throws CodeCompileError naming the first key that cannot
 */
export function checkScopeNames(name: string, keys: readonly string[]): void {
  for (const key of keys) {
    let problem: string | undefined;
    if (!IDENTIFIER.test(key)) problem = `'${key}' is not an identifier`;
    else if (RESERVED.has(key)) problem = `'${key}' is a reserved word`;
    else if (key.startsWith(INTERNAL_PREFIX))
      problem = `'${key}' starts with ${INTERNAL_PREFIX}, which trace-ts reserves`;
    if (problem !== undefined) throw new CodeCompileError(name, `scope name ${problem}`);
  }
}

/**
 * Builds the script of a runner: `(function (scope) { "use strict"; const { …names } = scope;
 * return (<function>); })` — the wrapper is a factory the prelude calls once per call, so each call
 * gets a fresh function object and fresh scope data. For a method shorthand it returns
 * `({ <method> })` and the prelude takes the one property.
 *
 * @param parsed the suggested function
 * @param scopeNames every scope name (data and helpers), declared as `const`s
 */
export function buildScript(parsed: ParsedFunction, scopeNames: readonly string[]): StrictScript {
  const p = INTERNAL_PREFIX;
  const head = [
    `(function (${p}scope) {`,
    `"use strict";`,
    scopeNames.length > 0 ? `const { ${scopeNames.join(", ")} } = ${p}scope;` : "",
    parsed.wrap === "object" ? "return ({" : "return (",
  ].join("\n");
  const firstCodeLine = head.split("\n").length + 1;
  const jsLines = parsed.js.split("\n").length;
  const text = [head, parsed.js, parsed.wrap === "object" ? "});" : ");", "})"].join("\n");
  return {
    text,
    firstCodeLine,
    lastCodeLine: firstCodeLine + jsLines - 1,
    sourceLineOf(scriptLine) {
      const jsLine = scriptLine - firstCodeLine + 1;
      return jsLine >= 1 && jsLine <= jsLines ? parsed.sourceLine(jsLine) : undefined;
    },
  };
}
