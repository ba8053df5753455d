#!/usr/bin/env node
// Build output housekeeping for the workspaces (the root package.json's `workspaces`).
//
//   node scripts/clean.mjs           (`npm run clean`) removes every workspace's `dist/`,
//                                    `*.tsbuildinfo` and `.turbo/`, the root `.turbo/` (turbo's
//                                    cache) and `node_modules/.cache/turbo`
//   node scripts/clean.mjs --stale   removes only the `tsconfig.tsbuildinfo` files whose build
//                                    output is gone (run before every build by `npm run build` and
//                                    scripts/build-quiet.mjs)
//   --root DIR                       another repository root (for tests)
//
// Why --stale: `tsc -b` decides that a project is up to date from its tsbuildinfo alone. After
// `rm -rf packages/x/dist` with the tsbuildinfo kept, it builds nothing, and the demo then fails
// with MODULE_NOT_FOUND. Removing such a tsbuildinfo makes the next build emit everything again.
//
// The decisions are pure functions over a listing of the workspaces (`listWorkspaces`), so tests
// can check them without touching the disk.
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** The repository root (this file's parent directory). */
export const REPO_ROOT = resolve(import.meta.dirname, "..");

/** The build information file `tsc -b` writes next to each workspace's tsconfig.json. */
export const BUILD_INFO = "tsconfig.tsbuildinfo";

const SOURCE = /\.(ts|mts|cts|tsx)$/;
const DECLARATION = /\.d\.(ts|mts|cts)$/;

/**
 * The workspace directories of a repository, absolute, from its package.json `workspaces` (plain
 * paths and `dir/*` patterns).
 *
 * @param root the repository root
 */
export function workspaceDirs(root) {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const patterns = Array.isArray(pkg.workspaces) ? pkg.workspaces : (pkg.workspaces?.packages ?? []);
  const dirs = [];
  for (const pattern of patterns) {
    if (pattern.endsWith("/*")) {
      const parent = join(root, pattern.slice(0, -2));
      if (!existsSync(parent)) continue;
      for (const entry of readdirSync(parent, { withFileTypes: true })) {
        if (entry.isDirectory() && existsSync(join(parent, entry.name, "package.json"))) {
          dirs.push(join(parent, entry.name));
        }
      }
    } else if (existsSync(join(root, pattern, "package.json"))) dirs.push(join(root, pattern));
  }
  return dirs;
}

/** `rootDir` and `outDir` of a workspace's tsconfig.json (defaults `src`, `dist`). */
function layout(dir) {
  let options = {};
  try {
    // our tsconfig files are plain JSON; anything else falls back to the defaults
    options = JSON.parse(readFileSync(join(dir, "tsconfig.json"), "utf8")).compilerOptions ?? {};
  } catch {
    options = {};
  }
  return { rootDir: options.rootDir ?? "src", outDir: options.outDir ?? "dist" };
}

/** Files under `dir` (relative, `/`-separated), with their modification times. */
function walk(dir, prefix = "", into = new Map()) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return into;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) walk(path, rel, into);
    else if (entry.isFile()) into.set(rel, statSync(path).mtimeMs);
  }
  return into;
}

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * What the build decisions need to know about each workspace that `tsc -b` builds (one with a
 * tsconfig.json), read from the disk.
 *
 * @param root the repository root
 * @returns per workspace: `dir` (absolute), `buildInfo` (mtime of its tsconfig.tsbuildinfo, or
 *   undefined), `outDir` (relative), `outDirExists`, `sources` (files of `rootDir`, relative to
 *   it, with mtimes), `outputs` (the set of files in `outDir`, relative to it), `configTime` (the
 *   newest mtime of its tsconfig.json, package.json and the root tsconfig.base.json)
 */
export function listWorkspaces(root) {
  const base = mtime(join(root, "tsconfig.base.json")) ?? 0;
  return workspaceDirs(root)
    .filter((dir) => existsSync(join(dir, "tsconfig.json")))
    .map((dir) => {
      const { rootDir, outDir } = layout(dir);
      const outPath = join(dir, outDir);
      return {
        dir,
        buildInfo: mtime(join(dir, BUILD_INFO)),
        outDir,
        outDirExists: existsSync(outPath),
        sources: walk(join(dir, rootDir)),
        outputs: new Set(walk(outPath).keys()),
        configTime: Math.max(
          base,
          mtime(join(dir, "tsconfig.json")) ?? 0,
          mtime(join(dir, "package.json")) ?? 0,
        ),
      };
    });
}

/**
 * The JavaScript files a workspace's sources compile to that are missing from its output
 * directory (`a/b.ts` → `a/b.js`; declaration files compile to nothing).
 *
 * @param workspace one entry of `listWorkspaces`
 */
export function missingOutputs(workspace) {
  const missing = [];
  for (const source of workspace.sources.keys()) {
    if (!SOURCE.test(source) || DECLARATION.test(source)) continue;
    const js = source
      .replace(/\.ts$|\.tsx$/, ".js")
      .replace(/\.mts$/, ".mjs")
      .replace(/\.cts$/, ".cjs");
    if (!workspace.outputs.has(js)) missing.push(js);
  }
  return missing;
}

/**
 * The tsconfig.tsbuildinfo files to remove before a build: those of workspaces whose output
 * directory is missing or lacks the compiled file of some source. `tsc -b` would take such a
 * workspace for up to date and emit nothing.
 *
 * @param workspaces what `listWorkspaces` returned
 * @returns absolute paths
 */
export function staleBuildInfos(workspaces) {
  return workspaces
    .filter((w) => w.buildInfo !== undefined && (!w.outDirExists || missingOutputs(w).length > 0))
    .map((w) => join(w.dir, BUILD_INFO));
}

/**
 * Whether a build has work to do, and what to say about it.
 *
 * @param workspaces what `listWorkspaces` returned
 * @returns `first` when some workspace has no output directory or no build information yet (a
 *   fresh clone or after `npm run clean`), `changed` when some output is missing or some source or
 *   configuration file is newer than the last build, or undefined when everything is built
 */
export function buildState(workspaces) {
  let state;
  for (const w of workspaces) {
    if (!w.outDirExists || w.buildInfo === undefined) return "first";
    const newest = Math.max(w.configTime, ...w.sources.values());
    if (missingOutputs(w).length > 0 || newest > w.buildInfo) state = "changed";
  }
  return state;
}

/**
 * Removes the stale tsconfig.tsbuildinfo files (see `staleBuildInfos`).
 *
 * @param root the repository root
 * @returns the removed paths
 */
export function removeStaleBuildInfos(root = REPO_ROOT) {
  const stale = staleBuildInfos(listWorkspaces(root));
  for (const path of stale) rmSync(path, { force: true });
  return stale;
}

/**
 * The paths `npm run clean` removes that exist: every workspace's output directory (from its
 * tsconfig.json, default `dist`, and `dist` itself), `*.tsbuildinfo` files and `.turbo/`, the
 * root `.turbo/` and `node_modules/.cache/turbo`.
 *
 * @param root the repository root
 */
export function cleanTargets(root = REPO_ROOT) {
  const targets = new Set();
  for (const dir of workspaceDirs(root)) {
    targets.add(join(dir, layout(dir).outDir));
    targets.add(join(dir, "dist"));
    targets.add(join(dir, ".turbo"));
    for (const name of readdirSync(dir)) if (name.endsWith(".tsbuildinfo")) targets.add(join(dir, name));
  }
  targets.add(join(root, ".turbo"));
  targets.add(join(root, "node_modules/.cache/turbo"));
  return [...targets].filter((path) => existsSync(path));
}

/**
 * Removes what `cleanTargets` lists.
 *
 * @param root the repository root
 * @returns the removed paths
 */
export function clean(root = REPO_ROOT) {
  const targets = cleanTargets(root);
  for (const path of targets) rmSync(path, { recursive: true, force: true });
  return targets;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const rootAt = args.indexOf("--root");
  const root = rootAt === -1 ? REPO_ROOT : resolve(args[rootAt + 1] ?? ".");
  const unknown = args.filter(
    (a, i) => a !== "--stale" && a !== "--root" && (rootAt === -1 || i !== rootAt + 1),
  );
  if (unknown.length > 0 || (rootAt !== -1 && args[rootAt + 1] === undefined)) {
    console.error("usage: node scripts/clean.mjs [--stale] [--root DIR]");
    process.exit(2);
  }
  if (args.includes("--stale")) {
    for (const path of removeStaleBuildInfos(root)) {
      console.error(
        `removed ${relative(root, path)}: its build output is missing, so tsc -b would have skipped the build`,
      );
    }
  } else {
    const removed = clean(root);
    for (const path of removed) console.log(`removed ${relative(root, path)}`);
    console.log(`clean: ${removed.length === 0 ? "nothing to remove" : `${removed.length} paths removed`}`);
  }
}
