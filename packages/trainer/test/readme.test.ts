/**
 * The package README's TypeScript blocks compile as a user's strict ESM module would (`strict`,
 * `exactOptionalPropertyTypes`, `noUncheckedIndexedAccess`, NodeNext; scripts/doc-snippets.mjs),
 * and its install line names every package they import.
 */
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "@jest/globals";
import { checkSnippets, extractSnippets, REPO_ROOT } from "../../../scripts/doc-snippets.mjs";

const README = join(REPO_ROOT, "packages/trainer/README.md");

describe("packages/trainer/README.md", () => {
  it("has TypeScript blocks that type-check under strict options with zero diagnostics", () => {
    const results = checkSnippets([relative(REPO_ROOT, README)], { cwd: REPO_ROOT });
    expect(results.length).toBeGreaterThan(0);
    expect(results.filter((r) => r.skipped)).toEqual([]);
    expect(results.flatMap((r) => r.diagnostics.map((d) => d.text))).toEqual([]);
  }, 120_000); // one TypeScript program over the workspace sources

  it("lists every imported package in its install line", () => {
    const text = readFileSync(README, "utf8");
    const install = /^npm install (.+)$/m.exec(text)?.[1]?.split(/\s+/) ?? [];
    expect(install).toContain("@trace-ts/trainer");
    const imported = new Set<string>();
    for (const block of extractSnippets(text)) {
      for (const match of block.code.matchAll(/from "((?:@[^/"]+\/)?[^/"]+)[^"]*"/g)) {
        if (!match[1]!.startsWith("node:")) imported.add(match[1]!);
      }
    }
    expect(imported.size).toBeGreaterThan(0);
    expect([...imported].filter((name) => !install.includes(name))).toEqual([]);
  });
});
