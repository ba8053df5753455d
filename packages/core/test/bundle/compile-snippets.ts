/**
 * Type-checks small TypeScript snippets with the `typescript` compiler API under chosen compiler
 * options (e.g. `experimentalDecorators`, `exactOptionalPropertyTypes`), the way a user's project
 * would. The snippets live in memory (no files are written); `@trace-ts/*` resolves to the sources.
 */
import { fileURLToPath } from "node:url";
import ts from "typescript";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
/** Where the in-memory snippets pretend to live (a folder that does not exist on disk). */
const SNIPPET_DIR = `${ROOT}packages/core/test/__snippets__/`;

/** One diagnostic of a snippet: its code, 1-based line and message. */
export interface SnippetDiagnostic {
  readonly file: string;
  readonly code: number;
  readonly line: number;
  readonly message: string;
}

/**
 * The diagnostics (syntactic and semantic) of the given snippets, compiled together as a strict
 * ES2022/NodeNext ESM project with `extra` options on top.
 *
 * @param files snippet file name (e.g. `agent.ts`) → source text
 * @param extra compiler options to add, e.g. `{ experimentalDecorators: true }`
 */
export function typeCheckSnippets(
  files: Readonly<Record<string, string>>,
  extra: ts.CompilerOptions = {},
): SnippetDiagnostic[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2022.d.ts", "lib.esnext.decorators.d.ts"],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ["node"],
    typeRoots: [`${ROOT}node_modules/@types`],
    paths: {
      "@trace-ts/core/testing": [`${ROOT}packages/core/src/testing/index.ts`],
      "@trace-ts/core/*": [`${ROOT}packages/core/src/entry/*.ts`],
      "@trace-ts/*": [`${ROOT}packages/*/src/index.ts`],
    },
    ...extra,
  };
  const virtual = new Map(Object.entries(files).map(([name, text]) => [SNIPPET_DIR + name, text]));
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const text = virtual.get(fileName);
    if (text !== undefined) return ts.createSourceFile(fileName, text, languageVersion, true);
    return getSourceFile(fileName, languageVersion, onError, shouldCreate);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (fileName) => virtual.has(fileName) || fileExists(fileName);
  const readFile = host.readFile.bind(host);
  host.readFile = (fileName) => virtual.get(fileName) ?? readFile(fileName);
  const program = ts.createProgram([...virtual.keys()], options, host);
  const out: SnippetDiagnostic[] = [];
  for (const fileName of virtual.keys()) {
    const sf = program.getSourceFile(fileName)!;
    for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
      out.push({
        file: fileName.slice(SNIPPET_DIR.length),
        code: d.code,
        line: d.start === undefined ? 0 : sf.getLineAndCharacterOfPosition(d.start).line + 1,
        message: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
      });
    }
  }
  return out;
}
