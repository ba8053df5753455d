// Types of scripts/check-cycles.mjs, for the TypeScript tests that import it.

/** One static import or re-export of a file. */
export interface ParsedImport {
  readonly specifier: string;
  /** `import type`, `export type`, or a binding list of `type X` only: gone at run time. */
  readonly typeOnly: boolean;
}

/** One strongly connected component of the import graph. */
export interface ImportCycle {
  /** Its files, relative to the source directory, `/`-separated, sorted. */
  readonly files: string[];
  /** One cycle through its first file, that file repeated at the end. */
  readonly path: string[];
}

export interface DirResult {
  readonly dir: string;
  readonly files: number;
  readonly imports: number;
  readonly cycles: ImportCycle[];
}

export function tokenize(text: string): Array<{ kind: string; value: string; depth: number }>;
export function parseImports(text: string): ParsedImport[];
export function importGraph(srcDir: string): Map<string, string[]>;
export function stronglyConnected(graph: Map<string, string[]>): string[][];
export function findCycles(srcDir: string): ImportCycle[];
export function packageSourceDirs(repoRoot: string): string[];
export function checkDirs(
  dirs: string[],
  base?: string,
): { ok: boolean; lines: string[]; results: DirResult[] };
