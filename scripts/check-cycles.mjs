#!/usr/bin/env node
// Finds import cycles between the TypeScript files of each package: for every `packages/*/src`
// it builds the graph of relative imports that exist at run time, finds its strongly connected
// components (Tarjan) and prints each cycle. Exits 1 if any package has one, otherwise prints a
// one-line summary. `node scripts/check-cycles.mjs [srcDir ...]` checks the given directories
// instead of every package.
//
// Edges are the imports that stay in the compiled JavaScript: `import … from`, `import "…"`,
// `export … from` (single- or multi-line). Not edges: `import type` / `export type`, imports and
// re-exports whose every named binding is `type X`, dynamic `import()` (evaluated later, so it
// cannot make a module see another half-initialised), anything inside `declare module` blocks, and
// specifiers that are not relative or resolve outside the directory.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";

const SOURCE = /\.(ts|mts|cts|tsx)$/;
const DECLARATION = /\.d\.(ts|mts|cts)$/;

// ---- tokenizer: enough of TypeScript's lexical grammar to find top-level import/export statements

/** Keywords after which `/` starts a regular expression, not a division. */
const REGEX_AFTER_WORD = new Set([
  "return",
  "typeof",
  "instanceof",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "case",
  "do",
  "else",
  "yield",
  "await",
]);

/**
 * Splits source text into tokens `{ kind, value, depth }`: `word` (identifiers and keywords),
 * `string` (value is the unquoted text), `punct` (one character), `template` and `regex` (opaque).
 * Comments and whitespace are dropped. `depth` is the brace depth at the token, so top-level
 * statements are the ones at depth 0.
 */
export function tokenize(text) {
  const tokens = [];
  const templateDepths = []; // brace depth at each open `${` of a template literal
  let depth = 0;
  let i = 0;
  const n = text.length;
  const push = (kind, value) => tokens.push({ kind, value, depth });
  const regexAllowed = () => {
    const last = tokens[tokens.length - 1];
    if (last === undefined) return true;
    if (last.kind === "word") return REGEX_AFTER_WORD.has(last.value);
    if (last.kind === "punct") return !")]}".includes(last.value);
    return false;
  };
  // scans a template literal body from i (just after ` or }) to its end or to the next `${`
  const templateBody = () => {
    while (i < n) {
      const c = text[i];
      if (c === "\\") i += 2;
      else if (c === "`") {
        i++;
        return;
      } else if (c === "$" && text[i + 1] === "{") {
        i += 2;
        templateDepths.push(depth);
        depth++;
        return;
      } else i++;
    }
  };
  while (i < n) {
    const c = text[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v" || c === "\uFEFF") {
      i++;
    } else if (c === "/" && text[i + 1] === "/") {
      const end = text.indexOf("\n", i);
      i = end < 0 ? n : end;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === '"' || c === "'") {
      let value = "";
      i++;
      while (i < n && text[i] !== c && text[i] !== "\n") {
        if (text[i] === "\\") {
          value += text[i + 1] ?? "";
          i += 2;
        } else value += text[i++];
      }
      i++;
      push("string", value);
    } else if (c === "`") {
      i++;
      push("template", "`");
      templateBody();
    } else if (c === "/" && regexAllowed()) {
      let inClass = false;
      i++;
      while (i < n && text[i] !== "\n") {
        const r = text[i];
        if (r === "\\") i++;
        else if (r === "[") inClass = true;
        else if (r === "]") inClass = false;
        else if (r === "/" && !inClass) break;
        i++;
      }
      i++;
      while (i < n && /[A-Za-z]/.test(text[i])) i++; // flags
      push("regex", "/");
    } else if (/[A-Za-z_$\u0080-\uFFFF]/.test(c)) {
      const start = i;
      while (i < n && /[\w$\u0080-\uFFFF]/.test(text[i])) i++;
      push("word", text.slice(start, i));
    } else if (/[0-9]/.test(c)) {
      while (i < n && /[\w.]/.test(text[i])) i++;
      push("number", "0");
    } else if (c === "{") {
      push("punct", c);
      depth++;
      i++;
    } else if (c === "}") {
      if (templateDepths.length > 0 && templateDepths[templateDepths.length - 1] === depth - 1) {
        templateDepths.pop();
        depth--;
        i++;
        templateBody();
      } else {
        depth = Math.max(0, depth - 1);
        push("punct", c);
        i++;
      }
    } else {
      push("punct", c);
      i++;
    }
  }
  return tokens;
}

/**
 * Whether the braced binding list starting at `tokens[open]` (`{`) names only types
 * (`{ type A, type B as C }`). An empty list is not type-only: `import {} from "x"` still loads x.
 * @returns `{ typeOnly, end }` where `end` is the index of the closing `}`
 */
function bindingList(tokens, open) {
  let end = open + 1;
  let count = 0;
  let allTypes = true;
  let element = [];
  const finish = () => {
    if (element.length === 0) return;
    count++;
    // `type X`, `type X as Y`; but `type` alone or `type as X` imports a binding named `type`
    const isType =
      element[0] === "type" && element.length > 1 && !(element[1] === "as" && element.length === 3);
    if (!isType) allTypes = false;
    element = [];
  };
  for (; end < tokens.length; end++) {
    const t = tokens[end];
    if (t.kind === "punct" && t.value === "}") break;
    if (t.kind === "punct" && t.value === ",") finish();
    else element.push(t.value);
  }
  finish();
  return { typeOnly: count > 0 && allTypes, end };
}

/**
 * The static imports and re-exports of a TypeScript file, in order.
 * @returns `{ specifier, typeOnly }` for each `import … from`, `import "…"` and `export … from`
 */
export function parseImports(text) {
  const tokens = tokenize(text);
  const found = [];
  const isPunct = (t, v) => t !== undefined && t.kind === "punct" && t.value === v;
  const isWord = (t, v) => t !== undefined && t.kind === "word" && t.value === v;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (t.kind !== "word" || t.depth !== 0 || (t.value !== "import" && t.value !== "export")) continue;
    const prev = tokens[k - 1];
    if (isPunct(prev, ".")) continue; // obj.import
    const next = tokens[k + 1];
    if (next === undefined) break;
    if (t.value === "import") {
      if (isPunct(next, "(") || isPunct(next, ".")) continue; // import("x"), import.meta
      if (next.kind === "string") {
        found.push({ specifier: next.value, typeOnly: false }); // import "x"
        continue;
      }
    } else if (!isPunct(next, "{") && !isPunct(next, "*") && !isWord(next, "type")) {
      continue; // export const/function/class/default/…: no module specifier
    }
    // `import|export [type] clause from "x"`
    let j = k + 1;
    let typeOnly = false;
    if (isWord(tokens[j], "type") && !isWord(tokens[j + 1], "from") && !isPunct(tokens[j + 1], ",")) {
      typeOnly = true;
      j++;
    }
    let sawValueBinding = false;
    let listTypeOnly = false;
    for (; j < tokens.length; j++) {
      const u = tokens[j];
      if (isPunct(u, "{")) {
        const list = bindingList(tokens, j);
        listTypeOnly = list.typeOnly;
        j = list.end;
        if (!isWord(tokens[j + 1], "from")) break; // `export { a, b };`: local names, no module
      } else if (isWord(u, "from") && tokens[j + 1]?.kind === "string") {
        found.push({
          specifier: tokens[j + 1].value,
          typeOnly: typeOnly || (listTypeOnly && !sawValueBinding),
        });
        k = j + 1;
        break;
      } else if (isPunct(u, ";") || isPunct(u, "=") || u.kind === "string" || u.depth !== 0) {
        break; // `export { a };`, `import x = require(…)`, or not an import after all
      } else if (u.kind === "word" || isPunct(u, "*")) {
        sawValueBinding = true; // a default import or a namespace: `import x, { type A }`, `export * as ns`
      }
      // `,` and `as`-names of a namespace keep going
    }
  }
  return found;
}

// ---- graph

function listSources(dir) {
  const out = [];
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules") walk(path);
      } else if (SOURCE.test(entry.name) && !DECLARATION.test(entry.name)) out.push(path);
    }
  };
  walk(dir);
  return out.sort();
}

/** The source file a relative specifier names (NodeNext `./x.js` → `./x.ts`), if it is one of `files`. */
function resolveSpecifier(fromFile, specifier, files) {
  const base = resolve(dirname(fromFile), specifier);
  const candidates = [];
  const ext = /\.(m|c)?(j|t)sx?$/.exec(base);
  if (ext) {
    const stem = base.slice(0, -ext[0].length);
    const m = ext[1] ?? "";
    candidates.push(`${stem}.${m}ts`, `${stem}.${m}tsx`, base);
  }
  candidates.push(`${base}.ts`, `${base}.tsx`, join(base, "index.ts"), join(base, "index.tsx"));
  return candidates.find((c) => files.has(c));
}

/**
 * The run-time import graph of the TypeScript files under `srcDir`.
 * @returns a Map from each file (path relative to `srcDir`, `/`-separated) to the files it imports
 */
export function importGraph(srcDir) {
  const root = resolve(srcDir);
  const paths = listSources(root);
  const files = new Set(paths);
  const rel = (p) => relative(root, p).split(sep).join("/");
  const graph = new Map();
  for (const path of paths) {
    const targets = new Set();
    for (const { specifier, typeOnly } of parseImports(readFileSync(path, "utf8"))) {
      if (typeOnly || !specifier.startsWith(".")) continue;
      const target = resolveSpecifier(path, specifier, files);
      if (target !== undefined) targets.add(rel(target));
    }
    graph.set(rel(path), [...targets].sort());
  }
  return graph;
}

/** Strongly connected components of a graph (Tarjan's algorithm, iterative), each sorted. */
export function stronglyConnected(graph) {
  const index = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const components = [];
  let counter = 0;
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work = [[start, 0]];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const [v, i] = frame;
      const edges = graph.get(v) ?? [];
      if (i < edges.length) {
        frame[1]++;
        const w = edges[i];
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push([w, 0]);
        } else if (onStack.has(w)) {
          low.set(v, Math.min(low.get(v), index.get(w)));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent), low.get(v)));
      }
      if (low.get(v) === index.get(v)) {
        const component = [];
        let w;
        do {
          w = stack.pop();
          onStack.delete(w);
          component.push(w);
        } while (w !== v);
        components.push(component.sort());
      }
    }
  }
  return components;
}

/** A shortest cycle through `start` inside `members` (breadth-first), as a path ending at `start`. */
function cycleThrough(graph, start, members) {
  const inside = new Set(members);
  const previous = new Map();
  const queue = [start];
  for (let q = 0; q < queue.length; q++) {
    const v = queue[q];
    for (const w of graph.get(v) ?? []) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const chain = [];
        for (let u = v; u !== start; u = previous.get(u)) chain.unshift(u);
        return [start, ...chain, start];
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start];
}

/**
 * The import cycles among the TypeScript files under `srcDir`: one entry per strongly connected
 * component with more than one file (or a file importing itself).
 * @returns `{ files, path }[]`: the component's files (relative to `srcDir`) and one concrete cycle
 *   through its first file (`a.ts → b.ts → a.ts`, first file repeated at the end)
 */
export function findCycles(srcDir) {
  return cyclesOf(importGraph(srcDir));
}

/** `findCycles` on an import graph already built. */
function cyclesOf(graph) {
  return stronglyConnected(graph)
    .filter((c) => c.length > 1 || (graph.get(c[0]) ?? []).includes(c[0]))
    .map((files) => ({ files, path: cycleThrough(graph, files[0], files) }))
    .sort((a, b) => a.files[0].localeCompare(b.files[0]));
}

/** The `src` directory of every workspace package under `<repoRoot>/packages`. */
export function packageSourceDirs(repoRoot) {
  const packages = join(repoRoot, "packages");
  return readdirSync(packages)
    .map((name) => join(packages, name, "src"))
    .filter((dir) => statSync(dir, { throwIfNoEntry: false })?.isDirectory())
    .sort();
}

/**
 * Checks each directory and reports as the command line does.
 * @returns `{ ok, lines, results }`: `lines` are what to print; `results` per directory hold
 *   `{ dir, files, imports, cycles }`
 */
export function checkDirs(dirs, base = process.cwd()) {
  const results = [];
  const lines = [];
  for (const dir of dirs) {
    const graph = importGraph(dir);
    const imports = [...graph.values()].reduce((sum, targets) => sum + targets.length, 0);
    const cycles = cyclesOf(graph);
    const name = relative(base, resolve(dir)).split(sep).join("/") || ".";
    results.push({ dir: name, files: graph.size, imports, cycles });
    for (const cycle of cycles) {
      lines.push(`import cycle in ${name} (${cycle.files.length} files): ${cycle.path.join(" → ")}`);
      if (cycle.files.length > cycle.path.length - 1)
        lines.push(`  all files in it: ${cycle.files.join(", ")}`);
    }
  }
  const bad = results.filter((r) => r.cycles.length > 0);
  const files = results.reduce((s, r) => s + r.files, 0);
  const imports = results.reduce((s, r) => s + r.imports, 0);
  if (bad.length === 0) {
    lines.push(
      `check-cycles: OK, no import cycles in ${results.length} source trees (${files} files, ${imports} run-time imports)`,
    );
  } else {
    const total = bad.reduce((s, r) => s + r.cycles.length, 0);
    lines.push(`check-cycles: ${total} import cycle(s) in ${bad.map((r) => r.dir).join(", ")}`);
  }
  return { ok: bad.length === 0, lines, results };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const repoRoot = resolve(import.meta.dirname, "..");
  const args = process.argv.slice(2);
  const dirs = args.length > 0 ? args.map((a) => resolve(a)) : packageSourceDirs(repoRoot);
  const { ok, lines } = checkDirs(dirs, repoRoot);
  for (const line of lines) (ok ? console.log : console.error)(line);
  process.exit(ok ? 0 : 1);
}
