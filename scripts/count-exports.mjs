// Lists the names a TypeScript entry file exports (values and types), with the compiler's own
// resolution of `export … from` and `export *`. Usage:
//   node scripts/count-exports.mjs packages/core/src/index.ts [--list]
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/**
 * The sorted names `entry` exports.
 * @param {string} entry path of a .ts entry file
 * @returns {string[]}
 */
export function exportedNames(entry) {
  const file = path.resolve(entry);
  const program = ts.createProgram([file], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    noEmit: true,
    skipLibCheck: true,
  });
  const source = program.getSourceFile(file);
  if (source === undefined) throw new Error(`count-exports: cannot read ${entry}`);
  const symbol = program.getTypeChecker().getSymbolAtLocation(source);
  if (symbol === undefined) return [];
  return program
    .getTypeChecker()
    .getExportsOfModule(symbol)
    .map((s) => s.name)
    .sort();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const names = exportedNames(process.argv[2] ?? "packages/core/src/index.ts");
  console.log(names.length);
  if (process.argv.includes("--list")) console.log(names.join("\n"));
}
