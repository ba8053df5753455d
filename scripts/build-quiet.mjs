#!/usr/bin/env node
// Builds every workspace with turbo and prints nothing unless the build fails (then everything),
// so that `npm run demo` and the examples start with the program's own output.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const turbo = createRequire(import.meta.url).resolve("turbo/bin/turbo");
const run = spawnSync(process.execPath, [turbo, "run", "build", "--output-logs=errors-only"], {
  encoding: "utf8",
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
});
if (run.status !== 0) {
  process.stdout.write(run.stdout ?? "");
  process.stderr.write(run.stderr ?? "");
  console.error("build failed (see above)");
  process.exit(run.status ?? 1);
}
