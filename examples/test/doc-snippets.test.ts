/**
 * scripts/doc-snippets.mjs: finds the TypeScript blocks of Markdown files, honours the skip
 * marker, and reports compiler diagnostics at their position in the Markdown file, under the
 * strict options a user's project may have (`exactOptionalPropertyTypes`, `noUncheckedIndexedAccess`).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "@jest/globals";
import { checkSnippets, extractSnippets, REPO_ROOT } from "../../scripts/doc-snippets.mjs";

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A temporary directory of ESM "docs" (a package.json with `type: module`, as the repository has). */
function docsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "trace-doc-snippets-"));
  made.push(dir);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const DOC = [
  "# Title", //                                        1
  "", //                                               2
  "```ts", //                                          3
  "const n: number = 1;", //                           4
  "```", //                                            5
  "", //                                               6
  "<!-- snippet: skip (a fragment) -->", //           7
  "", //                                               8
  "```typescript", //                                  9
  "this is not code", //                               10
  "```", //                                            11
  "", //                                               12
  "```sh", //                                          13
  "npm install", //                                    14
  "```", //                                            15
  "", //                                               16
  "- a list item:", //                                 17
  "  ```ts", //                                        18
  "  const xs: number[] = [];", //                     19
  "  const first: number = xs[0];", //                 20
  "  ```", //                                          21
  "", //                                               22
  "~~~ts title=x.ts", //                               23
  "const o: { a?: string } = { a: undefined };", //    24
  "await Promise.resolve();", //                       25
  "~~~", //                                            26
].join("\n");

describe("doc-snippets", () => {
  it("extracts ts blocks with their Markdown lines and the skip marker", () => {
    const blocks = extractSnippets(DOC);
    expect(blocks.map((b) => [b.line, b.column, b.lang, b.skipped])).toEqual([
      [4, 0, "ts", false],
      [10, 0, "typescript", true],
      [19, 2, "ts", false],
      [24, 0, "ts", false],
    ]);
    expect(blocks[2]!.code).toBe("const xs: number[] = [];\nconst first: number = xs[0];\n");
  });

  it("reports diagnostics at Markdown positions under the strict options, and skips marked blocks", () => {
    const dir = docsDir({ "doc.md": DOC });
    const results = checkSnippets(["doc.md"], { cwd: dir });
    expect(
      results.map((r) => [r.line, r.skipped, r.diagnostics.map((d) => `${d.line}:${d.column} TS${d.code}`)]),
    ).toEqual([
      [4, false, []],
      [10, true, []],
      [19, false, ["20:9 TS2322"]], // noUncheckedIndexedAccess: xs[0] is number | undefined
      [24, false, ["24:7 TS2375"]], // exactOptionalPropertyTypes; top-level await is fine (ESM)
    ]);
    expect(results[2]!.diagnostics[0]!.text).toMatch(
      /^doc\.md:20:9 - error TS2322: Type 'number \| undefined'/,
    );
  }, 60_000);

  it("resolves @trace-ts imports to the workspace sources and reports undeclared names", () => {
    const dir = docsDir({
      "api.md": [
        "```ts",
        'import { node } from "@trace-ts/core";',
        'import { ScriptedModel } from "@trace-ts/core/testing";',
        'import { Dataset } from "@trace-ts/trainer";',
        'const x = node("hi", { trainable: true });',
        "const data = Dataset.from([{ input: x.data }]);",
        'console.log(new ScriptedModel(["a"]).modelId, data.length, model);',
        "```",
      ].join("\n"),
    });
    const [result] = checkSnippets(["api.md"], { cwd: dir });
    expect(result!.diagnostics.map((d) => [d.line, d.code, d.message])).toEqual([
      [7, 2304, "Cannot find name 'model'."],
    ]);
  }, 120_000);

  it("has a command line that prints diagnostics and fails on any", () => {
    const dir = docsDir({
      "good.md": "```ts\nexport const a = 1;\n```\n",
      "bad.md": "```ts\nconst b: string = 1;\n```\n",
    });
    const cli = join(REPO_ROOT, "scripts/doc-snippets.mjs");
    const good = spawnSync(process.execPath, [cli, "good.md"], { cwd: dir, encoding: "utf8" });
    expect([good.status, good.stdout]).toEqual([
      0,
      "doc-snippets: 1 block checked, 0 skipped, 0 with errors\n",
    ]);
    const bad = spawnSync(process.execPath, [cli, "good.md", "bad.md"], { cwd: dir, encoding: "utf8" });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toBe(
      "bad.md:2:7 - error TS2322: Type 'number' is not assignable to type 'string'.\n" +
        "doc-snippets: 2 blocks checked, 0 skipped, 1 with errors\n",
    );
  }, 60_000);
});
