import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "@jest/globals";
import { traced } from "@trace-ts/core";
import { Agent, Scorer } from "./fixtures/agent.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = join(here, "../../../..");

describe("coverage", () => {
  it("collecting coverage (v8 provider) does not change the captured source", () => {
    const dir = mkdtempSync(join(tmpdir(), "trace-coverage-"));
    try {
      const out = join(dir, "probe.json");
      const jest = createRequire(import.meta.url).resolve("jest/bin/jest");
      const probe = relative(root, join(here, "fixtures/coverage-probe.ts"));
      const child = spawnSync(
        process.execPath,
        [
          jest,
          "--ci",
          "--coverage",
          "--coverageProvider=v8",
          `--coverageDirectory=${join(dir, "coverage")}`,
          "--coverageReporters=json-summary",
          `--collectCoverageFrom=${relative(root, join(here, "fixtures/agent.ts"))}`,
          `--testMatch=**/${probe}`,
          "--runInBand",
        ],
        {
          cwd: root,
          encoding: "utf8",
          timeout: 120_000,
          env: {
            ...process.env,
            NODE_OPTIONS: "--experimental-vm-modules --disable-warning=ExperimentalWarning",
            TRACE_PROBE_OUT: out,
          },
        },
      );
      if (child.status !== 0) throw new Error(`child jest failed with ${child.status}:\n${child.stderr}`);
      const covered = JSON.parse(readFileSync(out, "utf8")) as Record<string, unknown>;
      const summary = JSON.parse(readFileSync(join(dir, "coverage", "coverage-summary.json"), "utf8")) as {
        total: { lines: { covered: number } };
      };
      expect(summary.total.lines.covered).toBeGreaterThan(0); // coverage really was collected

      const agent = new Agent();
      expect(covered).toEqual({
        answer: traced(agent).answer.getSource(),
        secret: traced(agent).secret.getSource(),
        score: traced(new Scorer()).score.getSource(),
        shout: agent.shout.getSource(),
        run: agent.run("probe"),
      });
      expect(JSON.stringify(covered)).not.toMatch(/cov_|istanbul/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
