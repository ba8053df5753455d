#!/usr/bin/env node
/** The `trace-ts-scale` executable: runs {@link main} with the process's arguments and output. */
import { main } from "./cli/main.js";

const code = await main(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
process.exitCode = code;
// Exits even if something still holds the event loop once the workers are closed.
setTimeout(() => process.exit(code), 1000).unref();
