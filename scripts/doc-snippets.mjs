#!/usr/bin/env node
// Type-checks the TypeScript code blocks of Markdown files, the way a user who copies them into a
// strict ESM project would see them: every ```ts (or ```typescript) block is compiled as a module of
// its own with `strict`, `exactOptionalPropertyTypes`, `noUncheckedIndexedAccess`, `module:
// NodeNext`, and `@trace-ts/*` imports mapped to the workspace sources (`packages/*/src`), so no
// build is needed. A block that is deliberately partial opts out with a line
// `<!-- snippet: skip -->` (any text may follow `skip`, e.g. a reason) right before its fence.
// A block that uses names it does not declare fails: add the imports or declarations to the docs.
// A block whose first line is a comment naming a repository file (`// examples/src/x/y.ts`, as
// scripts/sync-doc-examples.mjs writes them) is checked as if it stood in that file's directory,
// so its relative imports (`./parser.js`) resolve; other blocks stand next to their Markdown file.
//
//   node scripts/doc-snippets.mjs README.md docs/*.md packages/*/README.md
//
// prints one line per diagnostic (`file:line:column - error TS1234: message`, positions in the
// Markdown file) and a summary, and exits 1 if any block has a diagnostic. `checkSnippets()` is the
// same as a function, for tests.
import { existsSync, readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";

/** The repository root (this file's parent directory). */
export const REPO_ROOT = resolve(import.meta.dirname, "..");

const TS_LANGS = new Set(["ts", "typescript", "mts"]);
const SKIP = /^\s*<!--\s*snippet:\s*skip\b.*-->\s*$/;
const FENCE_OPEN = /^( *)(`{3,}|~{3,})\s*([^\s`{]*)[^`]*$/;

/**
 * The fenced code blocks of a Markdown text whose language is `ts`, `typescript` or `mts`.
 *
 * @param text the Markdown
 * @returns per block: `line` (1-based line of its first code line), `column` offset (the fence's
 *   indentation, removed from the code), `lang`, `code`, and `skipped` (a `<!-- snippet: skip -->`
 *   line precedes the fence, blank lines between allowed)
 */
export function extractSnippets(text) {
  const lines = text.split(/\r?\n/);
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE_OPEN.exec(lines[i]);
    if (open === null) continue;
    const [, indent, fence, info] = open;
    const close = new RegExp(`^ *${fence[0] === "`" ? "`" : "~"}{${fence.length},}\\s*$`);
    let end = i + 1;
    while (end < lines.length && !close.test(lines[end])) end++;
    const lang = info.toLowerCase();
    if (TS_LANGS.has(lang)) {
      let before = i - 1;
      while (before >= 0 && lines[before].trim() === "") before--;
      const code = lines
        .slice(i + 1, end)
        .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line.trimStart()))
        .join("\n");
      blocks.push({
        line: i + 2,
        column: indent.length,
        lang,
        code: `${code}\n`,
        skipped: before >= 0 && SKIP.test(lines[before]),
      });
    }
    i = end;
  }
  return blocks;
}

/**
 * The compiler options snippets are checked with: a strict ESM user project (see the file comment),
 * with `@trace-ts/*` mapped to the sources under `root`.
 *
 * @param root the repository root
 */
export function snippetCompilerOptions(root = REPO_ROOT) {
  const packages = resolve(root, "packages");
  return {
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    noImplicitOverride: true,
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2022.d.ts", "lib.esnext.decorators.d.ts"],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    moduleDetection: ts.ModuleDetectionKind.Force,
    types: ["node"],
    typeRoots: [resolve(root, "node_modules/@types")],
    skipLibCheck: true,
    noEmit: true,
    paths: {
      "@trace-ts/core/testing": [resolve(packages, "core/src/testing/index.ts")],
      "@trace-ts/core/*": [resolve(packages, "core/src/entry/*.ts")],
      "@trace-ts/*": [resolve(packages, "*/src/index.ts")],
    },
  };
}

/**
 * Type-checks the TypeScript blocks of the given Markdown files in one program.
 *
 * @param markdownFiles paths of Markdown files (relative to `options.cwd`)
 * @param options `root`: the repository root (default: this script's); `cwd`: the directory the
 *   paths are relative to, also used to shorten file names in results (default: `process.cwd()`);
 *   `compilerOptions`: overrides of `snippetCompilerOptions(root)`
 * @returns one entry per block, in file order: `file` (as given), `line` (1-based, first code
 *   line), `skipped`, and `diagnostics` (`line`/`column` 1-based positions in the Markdown file,
 *   `code`, `category`, `message`, and `text`, a printable `file:line:column - error TSnnnn: …`)
 */
export function checkSnippets(markdownFiles, options = {}) {
  const root = options.root ?? REPO_ROOT;
  const cwd = options.cwd ?? process.cwd();
  const compilerOptions = { ...snippetCompilerOptions(root), ...options.compilerOptions };
  const results = [];
  const virtual = new Map(); // absolute virtual file name → { text, result, block }
  for (const file of markdownFiles) {
    const path = resolve(cwd, file);
    const blocks = extractSnippets(readFileSync(path, "utf8"));
    for (const block of blocks) {
      const result = { file, line: block.line, skipped: block.skipped, diagnostics: [] };
      results.push(result);
      if (block.skipped) continue;
      // next to the Markdown file (or the file the block copies), so relative imports, node_modules
      // lookups and the package.json `type` are the ones a reader of that file has
      const copied = copiedFile(block.code, root);
      const dir = dirname(copied ?? path);
      const name = resolve(dir, `${baseName(copied ?? path)}.snippet-${block.line}.ts`);
      virtual.set(name, { text: block.code, result, block });
    }
  }
  if (virtual.size === 0) return results;

  const host = ts.createCompilerHost(compilerOptions, true);
  const { getSourceFile, fileExists, readFile } = host;
  host.getCurrentDirectory = () => root;
  host.fileExists = (name) => virtual.has(resolve(name)) || fileExists.call(host, name);
  host.readFile = (name) => virtual.get(resolve(name))?.text ?? readFile.call(host, name);
  host.getSourceFile = (name, languageVersionOrOptions, onError, shouldCreate) => {
    const entry = virtual.get(resolve(name));
    if (entry !== undefined) return ts.createSourceFile(name, entry.text, languageVersionOrOptions, true);
    return getSourceFile.call(host, name, languageVersionOrOptions, onError, shouldCreate);
  };
  const program = ts.createProgram({ rootNames: [...virtual.keys()], options: compilerOptions, host });
  for (const diagnostic of program.getGlobalDiagnostics()) {
    // options or lib problems: attach to every block, since none of them can be trusted
    for (const { result } of virtual.values()) result.diagnostics.push(toDiagnostic(diagnostic, result));
  }
  for (const [name, entry] of virtual) {
    const sourceFile = program.getSourceFile(name);
    if (sourceFile === undefined) continue;
    const diagnostics = [
      ...program.getSyntacticDiagnostics(sourceFile),
      ...program.getSemanticDiagnostics(sourceFile),
    ];
    for (const diagnostic of diagnostics) {
      entry.result.diagnostics.push(toDiagnostic(diagnostic, entry.result, entry.block));
    }
  }
  return results;
}

function baseName(path) {
  return path.slice(dirname(path).length + 1);
}

/** The repository file a block says it shows (`// examples/src/x.ts` first line), if it exists. */
function copiedFile(code, root) {
  const match = /^\s*\/\/\s*([\w./-]+\.m?ts)\s*\n/.exec(code);
  if (match === null) return undefined;
  const path = resolve(root, match[1]);
  return path.startsWith(`${root}/`) && existsSync(path) ? path : undefined;
}

function toDiagnostic(diagnostic, result, block) {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
  let line = result.line;
  let column = 1;
  if (block !== undefined && diagnostic.file !== undefined && diagnostic.start !== undefined) {
    const position = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    line = block.line + position.line;
    column = block.column + position.character + 1;
  }
  const category = ts.DiagnosticCategory[diagnostic.category].toLowerCase();
  return {
    line,
    column,
    code: diagnostic.code,
    category,
    message,
    text: `${result.file}:${line}:${column} - ${category} TS${diagnostic.code}: ${message}`,
  };
}

/**
 * Prints the diagnostics of `results` and a summary line; returns the number of blocks with
 * diagnostics.
 *
 * @param results what `checkSnippets` returned
 * @param write where lines go (default `console.log`)
 */
export function reportSnippets(results, write = console.log) {
  let failed = 0;
  let skipped = 0;
  for (const result of results) {
    if (result.skipped) skipped++;
    if (result.diagnostics.length > 0) failed++;
    for (const diagnostic of result.diagnostics) write(diagnostic.text);
  }
  const checked = results.length - skipped;
  write(
    `doc-snippets: ${checked} block${checked === 1 ? "" : "s"} checked, ${skipped} skipped, ${failed} with errors`,
  );
  return failed;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const files = process.argv.slice(2);
  if (files.length === 0 || files.includes("--help")) {
    console.error("usage: node scripts/doc-snippets.mjs FILE.md [FILE.md …]");
    process.exit(2);
  }
  const missing = files.filter((file) => !existsSync(file));
  if (missing.length > 0) {
    console.error(`doc-snippets: no such file: ${missing.join(", ")}`);
    process.exit(2);
  }
  const results = checkSnippets(files.map((file) => relative(process.cwd(), resolve(file))));
  process.exit(reportSnippets(results) > 0 ? 1 : 0);
}
