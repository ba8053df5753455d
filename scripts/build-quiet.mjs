#!/usr/bin/env node
// Builds every workspace with turbo for `npm run demo` and the examples, so that they start with
// the program's own output. When there is something to build it says so on stderr first
// ("building the packages (first run only, about a minute)…") and when it is done; when
// everything is built already it prints nothing. A failed build prints turbo's whole output.
//
// Before building, it removes any tsconfig.tsbuildinfo whose build output is gone (a deleted
// `dist/`): `tsc -b` would otherwise take that package for up to date, build nothing, and the
// demo would fail with MODULE_NOT_FOUND (see scripts/clean.mjs).
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { relative } from "node:path";
import { pathToFileURL } from "node:url";
import { buildState, listWorkspaces, REPO_ROOT, removeStaleBuildInfos } from "./clean.mjs";

/**
 * The line printed before a build, or undefined when nothing needs building.
 *
 * @param state what `buildState` returned
 */
export function buildNotice(state) {
  if (state === "first") return "building the packages (first run only, about a minute)…";
  if (state === "changed") return "rebuilding the packages whose sources changed…";
  return undefined;
}

/**
 * Runs the build; returns its exit status.
 *
 * @param root the repository root
 * @param write where the notices go (default: stderr)
 */
export function buildQuiet(root = REPO_ROOT, write = (line) => process.stderr.write(`${line}\n`)) {
  for (const path of removeStaleBuildInfos(root)) {
    write(`(${relative(root, path)} removed: its build output was missing)`);
  }
  const notice = buildNotice(buildState(listWorkspaces(root)));
  if (notice !== undefined) write(notice);
  const started = performance.now();
  const turbo = createRequire(import.meta.url).resolve("turbo/bin/turbo");
  const run = spawnSync(process.execPath, [turbo, "run", "build", "--output-logs=errors-only"], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
  });
  if (run.status !== 0) {
    process.stdout.write(run.stdout ?? "");
    process.stderr.write(run.stderr ?? "");
    write("build failed (see above)");
    return run.status ?? 1;
  }
  if (notice !== undefined) write(`built in ${Math.round((performance.now() - started) / 1000)} s.`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exit(buildQuiet());
}
