// jest globalTeardown (see scripts/jest-tmp-setup.mjs): the tests must remove what they write
// to the temp directory. Entries named like the project's temporary files (trace-*, trainer-*,
// jest-*) still in the run's own temp directory fail the run: they are listed and jest exits
// non-zero. The directory is removed either way, so nothing stays on the machine.
import { readdirSync, rmSync } from "node:fs";

const PREFIXES = ["trace-", "trainer-", "jest-"];

export default function teardown() {
  const state = globalThis.__traceTmp;
  if (state === undefined) return;
  globalThis.__traceTmp = undefined;
  if (state.saved === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = state.saved;
  let left = [];
  try {
    left = readdirSync(state.dir).filter((name) => PREFIXES.some((p) => name.startsWith(p)));
  } finally {
    rmSync(state.dir, { recursive: true, force: true });
  }
  if (left.length > 0) {
    const list = left.sort().join(", ");
    console.error(`\ntests left ${left.length} temporary entr${left.length === 1 ? "y" : "ies"}: ${list}`);
    throw new Error(
      `tests left files in the temp directory (${list}); remove what a test writes in afterEach or finally`,
    );
  }
}
