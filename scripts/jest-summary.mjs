#!/usr/bin/env node
// Runs jest once and prints exactly one line `tests: N passed, N failed` (", N skipped" if any).
// Exits non-zero on failed tests, on suites that failed to load, on a jest crash, or when no test ran.
// With TRACE_TEST_COUNTS_FILE=<file> it also writes the counts there as JSON
// ({ passed, failed, skipped, status }), which `scripts/node-matrix.mjs --total-from <file>` adds up.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

// some tests drive programs of the system (Chromium for the viewer's browser tests, redis-server for
// @trace-ts/scale): install them first when missing (a no-op when they are there; when it cannot,
// those tests fail with the same explanation)
spawnSync("bash", [new URL("./ensure-test-tools.sh", import.meta.url).pathname], {
  stdio: ["ignore", "inherit", "inherit"],
});

const outDir = mkdtempSync(join(tmpdir(), "jest-"));
const outFile = join(outDir, "results.json");
const jestBin = createRequire(import.meta.url).resolve("jest/bin/jest");
const env = {
  ...process.env,
  NODE_OPTIONS:
    `${process.env.NODE_OPTIONS ?? ""} --experimental-vm-modules --disable-warning=ExperimentalWarning`.trim(),
};
const run = spawnSync(
  process.execPath,
  [jestBin, "--ci", "--json", `--outputFile=${outFile}`, ...process.argv.slice(2)],
  { stdio: ["ignore", "inherit", "inherit"], env },
);

let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const r = JSON.parse(readFileSync(outFile, "utf8"));
  passed = r.numPassedTests;
  skipped = r.numPendingTests + r.numTodoTests;
  // a suite that fails to import has no failed *tests*; count it
  failed = r.numFailedTests + r.numRuntimeErrorTestSuites;
} catch {
  failed = 1; // jest died before writing results
}
rmSync(outDir, { recursive: true, force: true });
const status = run.status !== 0 || failed > 0 || passed + failed === 0 ? run.status || 1 : 0;
if (process.env.TRACE_TEST_COUNTS_FILE) {
  writeFileSync(
    process.env.TRACE_TEST_COUNTS_FILE,
    `${JSON.stringify({ passed, failed, skipped, status })}\n`,
  );
}
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(status);
