/**
 * Finds the run logs to show: the files given, and the run logs under the folders given.
 */
import { type Dirent, realpathSync, statSync } from "node:fs";
import { open, readdir, realpath, stat } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { ViewerPathError } from "../errors.js";
import { RUN_LOG_FORMAT } from "../read/lines.js";

/** How deep folders are searched. */
export const MAX_DEPTH = 4;
/** Most files looked at in one search. */
export const MAX_FILES = 2000;
/** Most bytes read of a file's first line to tell whether it is a run log. */
export const FIRST_LINE_BYTES = 64 * 1024;

/** A run log found. */
export interface RunEntry {
  /** Its id: the path relative to the root, with `/`. */
  readonly id: string;
  /** Display name (the id without `.jsonl`). */
  readonly name: string;
  /** Absolute path. */
  readonly path: string;
  /** Whether it was given explicitly (then it is listed even when it is not a run log). */
  readonly explicit: boolean;
}

/** What the viewer was given, resolved. */
export interface ViewerRoot {
  /** The root folder (absolute): the single folder given, or the common parent of the paths. */
  readonly root: string;
  /** The root's real path (symlinks resolved). */
  readonly rootReal: string;
  /** The files given explicitly (absolute). */
  readonly files: readonly string[];
  /** The folders given (absolute). */
  readonly folders: readonly string[];
}

/**
 * Resolves the paths given to the viewer.
 *
 * @param paths files and folders
 * @throws ViewerPathError when a path does not exist or none was given
 */
export function resolveRoot(paths: readonly string[]): ViewerRoot {
  if (paths.length === 0) throw new ViewerPathError("(nothing)", "give at least one run log or folder.");
  const files: string[] = [];
  const folders: string[] = [];
  for (const given of paths) {
    const absolute = resolve(given);
    let isDir: boolean;
    try {
      const info = statSync(absolute);
      isDir = info.isDirectory();
      if (!isDir && !info.isFile()) throw new ViewerPathError(given, "it is neither a file nor a folder.");
    } catch (error) {
      if (error instanceof ViewerPathError) throw error;
      throw new ViewerPathError(given, "it does not exist or cannot be read.", { cause: error });
    }
    (isDir ? folders : files).push(absolute);
  }
  const root =
    folders.length === 1 && files.length === 0
      ? folders[0]!
      : commonParent([...folders, ...files.map((file) => dirname(file))]);
  return { root, rootReal: realpathSync(root), files, folders };
}

function commonParent(dirs: readonly string[]): string {
  let common = dirs[0]!.split(sep);
  for (const dir of dirs.slice(1)) {
    const parts = dir.split(sep);
    let i = 0;
    while (i < common.length && i < parts.length && common[i] === parts[i]) i++;
    common = common.slice(0, i);
  }
  return common.join(sep) || sep;
}

/** Whether `path` is `dir` or inside it. */
export function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** The id of `path` under `root`: the relative path with `/`. */
export function idOf(root: string, path: string): string {
  return relative(root, path).split(sep).join("/");
}

/** Whether the first line of `path` is a run record. */
async function isRunLog(path: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, "r");
    const buffer = Buffer.alloc(FIRST_LINE_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, FIRST_LINE_BYTES, 0);
    const head = buffer.subarray(0, bytesRead);
    const end = head.indexOf(0x0a);
    const value: unknown = JSON.parse(head.toString("utf8", 0, end === -1 ? bytesRead : end));
    return (
      typeof value === "object" &&
      value !== null &&
      (value as { type?: unknown }).type === "run" &&
      (value as { format?: unknown }).format === RUN_LOG_FORMAT
    );
  } catch {
    return false;
  } finally {
    await handle?.close();
  }
}

/** Whether a file name is a run log candidate (`*.jsonl`, not a cassette). */
function isCandidate(name: string): boolean {
  return name.endsWith(".jsonl") && !name.endsWith(".cassette.jsonl");
}

/**
 * Lists the run logs: the files given, then the run logs under the folders given (to depth
 * {@link MAX_DEPTH}, at most {@link MAX_FILES} files looked at, skipping `node_modules` and
 * dot-folders, never following a symlink out of the root).
 *
 * @param given the resolved paths
 */
export async function discoverRuns(given: ViewerRoot): Promise<RunEntry[]> {
  const found = new Map<string, RunEntry>();
  for (const file of given.files) {
    const id = idOf(given.root, file);
    found.set(file, { id, name: nameOf(id), path: file, explicit: true });
  }
  let looked = 0;
  const walk = async (dir: string, depth: number): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (looked >= MAX_FILES) return;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (depth < MAX_DEPTH && !entry.name.startsWith(".") && entry.name !== "node_modules") {
          await walk(path, depth + 1);
        }
        continue;
      }
      if (!(entry.isFile() || entry.isSymbolicLink()) || !isCandidate(entry.name)) continue;
      looked++;
      if (found.has(path)) continue;
      if (entry.isSymbolicLink()) {
        const real = await realpath(path).catch(() => null);
        if (real === null || !isInside(given.rootReal, real)) continue;
        const info = await stat(real).catch(() => null);
        if (info === null || !info.isFile()) continue;
      }
      if (await isRunLog(path)) {
        const id = idOf(given.root, path);
        found.set(path, { id, name: nameOf(id), path, explicit: false });
      }
    }
  };
  for (const folder of given.folders) await walk(folder, 1);
  return [...found.values()];
}

function nameOf(id: string): string {
  return id.replace(/\.jsonl$/, "");
}
