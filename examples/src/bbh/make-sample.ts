/**
 * Writes the shipped sample tasks (examples/data/bbh-sample/<task>.json) from `makeSample()`:
 * `npx tsc -b examples && node examples/dist/bbh/make-sample.js`. The files are checked in; run
 * this only after changing sample.ts (the tests compare the files with the generator).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { SAMPLE_DIR } from "./paths.js";
import { makeSample, sampleFileText } from "./sample.js";

for (const [task, file] of Object.entries(makeSample())) {
  const path = join(SAMPLE_DIR, `${task}.json`);
  writeFileSync(path, sampleFileText(file));
  console.log(`wrote ${path} (${file.examples.length} examples)`);
}
