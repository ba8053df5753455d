/**
 * Benchmark runner: `npm run bench` runs every suite, `npm run bench -- graph llm` only those.
 * Each suite prints its own table; figures are wall-clock on this machine, reported next to a
 * baseline measured in the same run.
 */
import { suites } from "./suites.js";

const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const unknown = wanted.filter((w) => !(w in suites));
if (unknown.length > 0) {
  console.error(`unknown suite(s): ${unknown.join(", ")}; available: ${Object.keys(suites).join(", ")}`);
  process.exit(2);
}
if (typeof globalThis.gc !== "function") {
  console.error("run benchmarks with node --expose-gc (npm run bench does)");
  process.exit(2);
}
console.log(`node ${process.version}, ${process.platform}/${process.arch}, ${new Date().toISOString()}`);
for (const [name, run] of Object.entries(suites)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.log(`\n## ${name}`);
  await run();
}
