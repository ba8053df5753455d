/** Temporary directories that the test removes again. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "@jest/globals";

/**
 * Returns a function that makes a fresh directory `<tmp>/<prefix>XXXXXX`; every directory made is
 * removed after each test (call it at the top of a `describe` or of the file).
 *
 * @param prefix the directory name's start, e.g. `trainer-resume-`
 */
export function tempDirs(prefix: string): () => string {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
}
