/**
 * The first run of a fresh clone: `npm run clean` (scripts/clean.mjs), the stale-build check run
 * before every build, and the notice scripts/build-quiet.mjs prints when there is something to
 * build. A tsconfig.tsbuildinfo kept after its `dist/` was deleted makes `tsc -b` build nothing
 * (MODULE_NOT_FOUND when the demo starts); the check removes it.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "@jest/globals";
import { buildNotice } from "../../scripts/build-quiet.mjs";
import {
  BUILD_INFO,
  buildState,
  clean,
  listWorkspaces,
  missingOutputs,
  REPO_ROOT,
  removeStaleBuildInfos,
  staleBuildInfos,
  type WorkspaceListing,
} from "../../scripts/clean.mjs";

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function workspace(overrides: Partial<WorkspaceListing> = {}): WorkspaceListing {
  return {
    dir: "/repo/packages/a",
    buildInfo: 100,
    outDir: "dist",
    outDirExists: true,
    sources: new Map([
      ["index.ts", 50],
      ["types.d.ts", 50],
      ["sub/run.mts", 50],
    ]),
    outputs: new Set(["index.js", "index.d.ts", "sub/run.mjs"]),
    configTime: 10,
    ...overrides,
  };
}

describe("stale build information (pure decisions)", () => {
  it("marks a tsbuildinfo stale when its output directory or a compiled file is missing", () => {
    const complete = workspace();
    const noDist = workspace({ dir: "/repo/packages/b", outDirExists: false, outputs: new Set() });
    const partial = workspace({ dir: "/repo/packages/c", outputs: new Set(["index.js"]) });
    const neverBuilt = workspace({ dir: "/repo/packages/d", buildInfo: undefined, outDirExists: false });
    expect(missingOutputs(complete)).toEqual([]);
    expect(missingOutputs(partial)).toEqual(["sub/run.mjs"]); // declaration files compile to nothing
    expect(staleBuildInfos([complete, noDist, partial, neverBuilt])).toEqual([
      join("/repo/packages/b", BUILD_INFO),
      join("/repo/packages/c", BUILD_INFO),
    ]);
  });

  it("says whether a build has work to do", () => {
    expect(buildState([workspace()])).toBeUndefined();
    expect(buildState([workspace(), workspace({ outDirExists: false })])).toBe("first");
    expect(buildState([workspace({ buildInfo: undefined })])).toBe("first");
    expect(buildState([workspace({ sources: new Map([["index.ts", 150]]) })])).toBe("changed");
    expect(buildState([workspace({ configTime: 150 })])).toBe("changed");
    expect(buildState([workspace({ outputs: new Set(["index.js"]) })])).toBe("changed");
    expect(buildNotice("first")).toBe("building the packages (first run only, about a minute)…");
    expect(buildNotice("changed")).toMatch(/^rebuilding/);
    expect(buildNotice(undefined)).toBeUndefined();
  });
});

describe("a fake workspace on disk", () => {
  const tsc = createRequire(join(REPO_ROOT, "package.json")).resolve("typescript/bin/tsc");

  function fakeRepo(): string {
    const root = mkdtempSync(join(tmpdir(), "trace-first-run-"));
    made.push(root);
    const write = (path: string, text: string) => {
      mkdirSync(join(root, path, ".."), { recursive: true });
      writeFileSync(join(root, path), text);
    };
    write(
      "package.json",
      JSON.stringify({ name: "fake", private: true, type: "module", workspaces: ["packages/*", "tools"] }),
    );
    write(
      "tsconfig.base.json",
      JSON.stringify({ compilerOptions: { composite: true, module: "NodeNext", target: "ES2022" } }),
    );
    for (const name of ["a", "b"]) {
      write(`packages/${name}/package.json`, JSON.stringify({ name, type: "module" }));
      write(
        `packages/${name}/tsconfig.json`,
        JSON.stringify({
          extends: "../../tsconfig.base.json",
          compilerOptions: { rootDir: "src", outDir: "dist" },
          include: ["src"],
        }),
      );
      write(`packages/${name}/src/index.ts`, `export const ${name} = 1;\n`);
    }
    write("tools/package.json", JSON.stringify({ name: "tools" })); // no tsconfig: not built
    return root;
  }

  function build(root: string): void {
    const run = spawnSync(process.execPath, [tsc, "-b", "packages/a", "packages/b"], {
      cwd: root,
      encoding: "utf8",
    });
    expect(run.stdout + run.stderr).toBe("");
    expect(run.status).toBe(0);
  }

  it("removes a tsbuildinfo kept after its dist/ was deleted, so tsc -b builds again", () => {
    const root = fakeRepo();
    build(root);
    expect(listWorkspaces(root).map((w) => w.dir)).toEqual([
      join(root, "packages/a"),
      join(root, "packages/b"),
    ]);
    expect(buildState(listWorkspaces(root))).toBeUndefined();

    rmSync(join(root, "packages/a/dist"), { recursive: true });
    build(root); // the trap: tsc -b takes the project for up to date
    expect(existsSync(join(root, "packages/a/dist/index.js"))).toBe(false);
    expect(buildState(listWorkspaces(root))).toBe("first");

    expect(removeStaleBuildInfos(root)).toEqual([join(root, "packages/a", BUILD_INFO)]);
    expect(existsSync(join(root, "packages/b", BUILD_INFO))).toBe(true);
    build(root);
    expect(existsSync(join(root, "packages/a/dist/index.js"))).toBe(true);
    expect(buildState(listWorkspaces(root))).toBeUndefined();
    expect(removeStaleBuildInfos(root)).toEqual([]);
  }, 60_000);

  it("npm run clean removes build output and turbo caches, and keeps the sources", () => {
    const root = fakeRepo();
    for (const dir of [
      "packages/a/dist",
      "packages/b/dist/sub",
      ".turbo/cache",
      "packages/a/.turbo",
      "node_modules/.cache/turbo",
      "node_modules/.cache/jest",
    ]) {
      mkdirSync(join(root, dir), { recursive: true });
    }
    for (const file of [`packages/a/${BUILD_INFO}`, `packages/b/${BUILD_INFO}`, "packages/b/dist/sub/x.js"]) {
      writeFileSync(join(root, file), "{}");
    }
    const run = spawnSync(process.execPath, [join(REPO_ROOT, "scripts/clean.mjs"), "--root", root], {
      encoding: "utf8",
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("removed packages/a/dist");
    expect(run.stdout.trim().split("\n").at(-1)).toBe("clean: 7 paths removed");
    for (const gone of [
      "packages/a/dist",
      "packages/b/dist",
      `packages/a/${BUILD_INFO}`,
      `packages/b/${BUILD_INFO}`,
      "packages/a/.turbo",
      ".turbo",
      "node_modules/.cache/turbo",
    ]) {
      expect([gone, existsSync(join(root, gone))]).toEqual([gone, false]);
    }
    for (const kept of ["packages/a/src/index.ts", "node_modules/.cache/jest", "tools/package.json"]) {
      expect([kept, existsSync(join(root, kept))]).toEqual([kept, true]);
    }
    expect(clean(root)).toEqual([]);
  });
});
