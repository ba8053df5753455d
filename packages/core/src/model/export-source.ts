import { parseFunction } from "../code/parse.js";
import { namedParametersOf } from "./walk.js";

/**
 * The learned program as an ES module text, readable and runnable without trace-ts:
 *
 * ```js
 * export const values = { "prompt": "Answer briefly." };
 * export function code(scope = {}) {
 *   const { clamp } = scope;
 *   return { "answer": ({ answer(q) { … } }).answer };
 * }
 * ```
 *
 * `values` holds every trainable value; `code(scope)` returns every trainable function's current
 * source (types stripped), given the names its bundle's `scope` provides. Methods use `this`:
 * call them as `code(scope).answer.call(agent, q)`.
 */
export function exportModelSource(model: object): string {
  const params = namedParametersOf(model);
  const className = (model as { constructor?: { name?: string } }).constructor?.name || "model";
  const values: string[] = [];
  const functions: string[] = [];
  const scopeNames = new Set<string>();
  for (const p of params) {
    if (p.kind === "value") {
      values.push(
        `  ${JSON.stringify(p.name)}: ${JSON.stringify(p.parameter._data, null, 2)?.replace(/\n/g, "\n  ")},`,
      );
      continue;
    }
    const source = String(p.parameter._data);
    let js = source;
    let wrap: "object" | "paren" = "paren";
    try {
      const parsed = parseFunction(source, p.name);
      js = parsed.js;
      wrap = parsed.wrap;
    } catch {
      functions.push(`    // ${JSON.stringify(p.name)} does not parse; its source was:\n${comment(source)}`);
      continue;
    }
    if (p.slot !== undefined) {
      try {
        for (const n of Object.keys(p.slot.definition.scope())) scopeNames.add(n);
      } catch {
        // a scope that cannot be evaluated contributes no names
      }
    }
    const body = js.replace(/\n/g, "\n      ");
    functions.push(
      wrap === "object"
        ? `    ${JSON.stringify(p.name)}: Object.values({\n      ${body}\n    })[0],`
        : `    ${JSON.stringify(p.name)}: (\n      ${body}\n    ),`,
    );
  }
  const destructure = scopeNames.size > 0 ? `  const { ${[...scopeNames].join(", ")} } = scope;\n` : "";
  return [
    `// Learned parameters and code of ${className}, exported by trace-ts.`,
    "",
    "/** Trainable values by name. */",
    `export const values = {\n${values.join("\n")}\n};`,
    "",
    "/** Trainable functions by name; pass the names their code uses (each bundle's scope). */",
    `export function code(scope = {}) {\n${destructure}  return {\n${functions.join("\n")}\n  };\n}`,
    "",
  ].join("\n");
}

function comment(text: string): string {
  return text
    .split("\n")
    .map((line) => `    // ${line}`)
    .join("\n");
}
