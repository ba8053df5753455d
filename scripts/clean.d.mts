// Types of scripts/clean.mjs, for the TypeScript tests that import it.

/** What the build decisions know about one workspace (see `listWorkspaces`). */
export interface WorkspaceListing {
  /** Absolute directory. */
  readonly dir: string;
  /** Modification time (ms) of its tsconfig.tsbuildinfo, or undefined when there is none. */
  readonly buildInfo: number | undefined;
  /** Output directory, relative to `dir`. */
  readonly outDir: string;
  readonly outDirExists: boolean;
  /** Files of the source directory (relative, `/`-separated) with their modification times. */
  readonly sources: ReadonlyMap<string, number>;
  /** Files of the output directory (relative, `/`-separated). */
  readonly outputs: ReadonlySet<string>;
  /** Newest modification time of its tsconfig.json, package.json and the root tsconfig.base.json. */
  readonly configTime: number;
}

export const REPO_ROOT: string;
export const BUILD_INFO: string;
export function workspaceDirs(root: string): string[];
export function listWorkspaces(root: string): WorkspaceListing[];
export function missingOutputs(workspace: WorkspaceListing): string[];
export function staleBuildInfos(workspaces: readonly WorkspaceListing[]): string[];
export function buildState(workspaces: readonly WorkspaceListing[]): "first" | "changed" | undefined;
export function removeStaleBuildInfos(root?: string): string[];
export function cleanTargets(root?: string): string[];
export function clean(root?: string): string[];
