/**
 * The page following a run while its log grows (server-sent events), and the static export
 * opened from a file: URL, both in real Chromium with no console errors or CSP violations.
 */
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from "@jest/globals";
import type { Page } from "playwright-core";
import { exportReport, type RunningViewer, startViewer } from "../src/index.js";
import {
  type BrowserSession,
  buildAssets,
  launchChromium,
  screenshot,
  TempDirs,
  type WatchedPage,
  waitForState,
  watchedPage,
} from "./support-browser/browser.js";
import { HOSTILE, logLines, trainedRun } from "./support-browser/runs.js";

jest.setTimeout(120_000);

const temp = new TempDirs();
let assets = "";
let runsDir = "";
let session: BrowserSession | undefined;
let viewer: RunningViewer | undefined;
let current: WatchedPage | undefined;

beforeAll(async () => {
  assets = temp.make("trace-viewer-assets-");
  await buildAssets(assets);
  runsDir = temp.make("trace-viewer-runs-");
  await trainedRun(join(runsDir, "full.jsonl"));
  session = await launchChromium(temp);
});

afterEach(async () => {
  await current?.page.close();
  current = undefined;
});

afterAll(async () => {
  await session?.close();
  await viewer?.close();
  temp.removeAll();
});

async function open(url: string): Promise<Page> {
  if (session === undefined) throw new Error("setup failed");
  current = await watchedPage(session);
  await current.page.goto(url);
  await waitForState(current.page);
  return current.page;
}

async function expectClean(): Promise<void> {
  if (current === undefined) throw new Error("no page");
  expect(current.errors).toEqual([]);
  expect(current.dialogs).toEqual([]);
  expect(await current.violations()).toEqual([]);
  expect(await current.page.evaluate("window.__pwned === undefined")).toBe(true);
}

describe("viewer page, live and exported", () => {
  it("shows records appended to the log without a reload, then drops the live badge", async () => {
    const lines = logLines(join(runsDir, "full.jsonl"));
    const firstStep = lines.findIndex((line) => (JSON.parse(line) as { type: string }).type === "step");
    const endAt = lines.findIndex((line) => (JSON.parse(line) as { type: string }).type === "end");
    expect(firstStep).toBeGreaterThan(0);
    const liveDir = temp.make("trace-viewer-live-");
    const log = join(liveDir, "live.jsonl");
    writeFileSync(log, `${lines.slice(0, firstStep + 1).join("\n")}\n`);
    viewer = await startViewer({ paths: [liveDir], assetsDir: assets, port: 0, warn: () => {} });
    const page = await open(`${viewer.url}#run=live.jsonl&step=1`);
    const badge = page.getByTestId("live-badge");
    await badge.waitFor({ timeout: 30_000 });
    expect(await page.getByTestId("step-row").count()).toBe(1);
    await expect(page.locator(".run-header").textContent()).resolves.toContain("running…");
    await page.getByTestId("score-chart").locator("canvas").waitFor({ timeout: 30_000 });
    await screenshot(page, "live-start");

    appendFileSync(log, `${lines.slice(firstStep + 1, endAt).join("\n")}\n`);
    await page.locator('[data-testid="step-row"][data-step="3"]').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId("step-row").count()).toBe(3);
    // the selected step stays selected and the badge stays while the run has no end record
    await expect(page.locator('[data-testid="step-row"].selected').getAttribute("data-step")).resolves.toBe(
      "1",
    );
    expect(await badge.count()).toBe(1);

    // a resumed run cuts its log back to its checkpoint: the page reloads the run and follows on
    writeFileSync(log, `${lines.slice(0, firstStep + 1).join("\n")}\n`);
    await page
      .locator('[data-testid="step-row"][data-step="2"]')
      .waitFor({ state: "detached", timeout: 30_000 });
    expect(await page.getByTestId("step-row").count()).toBe(1);
    appendFileSync(log, `${lines.slice(firstStep + 1, endAt).join("\n")}\n`);
    await page.locator('[data-testid="step-row"][data-step="3"]').waitFor({ timeout: 30_000 });
    expect(await badge.count()).toBe(1);

    appendFileSync(log, `${lines.slice(endAt).join("\n")}\n`);
    await badge.waitFor({ state: "detached", timeout: 30_000 });
    await expect(page.locator(".run-header").textContent()).resolves.toContain("stopped: max-steps");
    await screenshot(page, "live-end");
    await expectClean();
    await viewer.close();
    viewer = undefined;
  });

  it("renders the static export from a file: URL under its CSP", async () => {
    const outDir = temp.make("trace-viewer-export-");
    const out = join(outDir, "report.html");
    await exportReport({ paths: [runsDir], out, assetsDir: assets });
    const page = await open(pathToFileURL(out).href);
    await page.getByTestId("runs-table").getByRole("link", { name: "full", exact: true }).click();
    await waitForState(page);
    await page.getByTestId("score-chart").locator("canvas").waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="step-row"][data-step="2"] a').click();
    const detail = page.getByTestId("step-detail");
    await detail.locator("h2", { hasText: "Step 2" }).waitFor({ timeout: 30_000 });
    expect(await detail.getByTestId("diff").first().locator(".d2h-ins").count()).toBeGreaterThan(0);
    await detail.getByTestId("graph").first().locator("svg g.node").first().waitFor({ timeout: 30_000 });
    await expect(detail.textContent()).resolves.toContain(HOSTILE);
    expect(await page.locator("main img, main script, dialog").count()).toBe(0);
    expect(await page.getByTestId("live-badge").count()).toBe(0);
    await screenshot(page, "export");
    await expectClean();
  });
});
