// jest globalSetup: gives the test run a temporary directory of its own. TMPDIR points into it
// for the jest workers and every process they start (os.tmpdir() reads TMPDIR), so whatever a
// test writes to "the temp directory" lands there, and files of other processes on the machine
// (another checkout's test run, say) never mix with ours. scripts/jest-tmp-teardown.mjs then
// fails the run if a test left anything with the project's prefixes behind, and removes the
// directory.
import { mkdtempSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup() {
  const outer = tmpdir();
  const dir = realpathSync(mkdtempSync(join(outer, "trace-jest-tmp-")));
  globalThis.__traceTmp = { dir, saved: process.env.TMPDIR };
  process.env.TMPDIR = dir;
}
