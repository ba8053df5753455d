// Types of scripts/doc-snippets.mjs, for the TypeScript tests that import it.
import type { CompilerOptions } from "typescript";

/** One TypeScript code block of a Markdown text. */
export interface Snippet {
  /** 1-based line of its first code line in the Markdown file. */
  readonly line: number;
  /** The fence's indentation, removed from every code line. */
  readonly column: number;
  /** `ts`, `typescript` or `mts`. */
  readonly lang: string;
  /** The code, ending with a newline. */
  readonly code: string;
  /** A `<!-- snippet: skip -->` line precedes the fence. */
  readonly skipped: boolean;
}

/** One compiler diagnostic of a block, positioned in the Markdown file. */
export interface SnippetDiagnostic {
  readonly line: number;
  readonly column: number;
  /** The TypeScript error number (`2322` for TS2322). */
  readonly code: number;
  /** `error`, `warning`, `suggestion` or `message`. */
  readonly category: string;
  readonly message: string;
  /** `file:line:column - error TS2322: message`. */
  readonly text: string;
}

/** The result of one block. */
export interface SnippetResult {
  /** The Markdown file, as given. */
  readonly file: string;
  /** 1-based line of the block's first code line. */
  readonly line: number;
  readonly skipped: boolean;
  readonly diagnostics: SnippetDiagnostic[];
}

/** Options of `checkSnippets`. */
export interface CheckSnippetsOptions {
  /** The repository root (default: the directory above scripts/). */
  readonly root?: string;
  /** The directory relative paths start from (default: `process.cwd()`). */
  readonly cwd?: string;
  /** Overrides of `snippetCompilerOptions(root)`. */
  readonly compilerOptions?: CompilerOptions;
}

export const REPO_ROOT: string;
export function extractSnippets(text: string): Snippet[];
export function snippetCompilerOptions(root?: string): CompilerOptions;
export function checkSnippets(
  markdownFiles: readonly string[],
  options?: CheckSnippetsOptions,
): SnippetResult[];
export function reportSnippets(results: readonly SnippetResult[], write?: (line: string) => void): number;
