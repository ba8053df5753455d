/**
 * What the README promises: `npm run example:train`, then the view command, shows the run in a
 * browser. The example runs from source (scripted responses) into a temp folder; the viewer serves
 * that folder and Chromium checks the chart, a step's diff, its optimizer call's messages and its
 * traced graph, with no console error and no CSP violation.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { runExample } from "../../../examples/test/helpers/run-example.js";
import { type RunningViewer, startViewer } from "../src/index.js";
import {
  type BrowserSession,
  buildAssets,
  launchChromium,
  screenshot,
  TempDirs,
  waitForState,
  watchedPage,
} from "./support-browser/browser.js";

jest.setTimeout(180_000);

const temp = new TempDirs();
let session: BrowserSession | undefined;
let viewer: RunningViewer | undefined;
let assets = "";

beforeAll(async () => {
  assets = temp.make("trace-viewer-assets-");
  await buildAssets(assets);
  session = await launchChromium(temp);
});

afterAll(async () => {
  await session?.close();
  await viewer?.close();
  temp.removeAll();
});

describe("the trainer example in the viewer", () => {
  it("npm run example:train names the view command, and the page shows its run", async () => {
    const out = temp.make("trace-word-problems-");
    const run = await runExample("train-word-problems.ts", ["--out", out], {});
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout.trimEnd().split("\n").at(-1)).toBe(
      `see the run in your browser: npm run view -- ${out}`,
    );

    viewer = await startViewer({ paths: [out], assetsDir: assets, port: 0, warn: () => {} });
    const watched = await watchedPage(session!);
    const page = watched.page;
    await page.goto(viewer.url);
    await waitForState(page);
    await page.getByTestId("runs-table").getByRole("link", { name: "log", exact: true }).click();
    await waitForState(page);
    await page.getByTestId("score-chart").locator("canvas").first().waitFor({ timeout: 30_000 });
    const rows = page.getByTestId("step-row");
    expect(await rows.count()).toBeGreaterThanOrEqual(1);

    // the last step changed the instruction: its diff, the optimizer's messages and the graph
    const last = await rows.last().getAttribute("data-step");
    await page.locator(`[data-testid="step-row"][data-step="${last}"] a`).click();
    const detail = page.getByTestId("step-detail");
    await detail.getByTestId("diff").first().locator(".d2h-ins").first().waitFor({ timeout: 30_000 });
    const call = detail.getByTestId("call").first();
    await expect(call.textContent()).resolves.toContain("propose");
    // the example keeps messages (logContent.messages): OptoPrime's prompt is in the page
    await expect(call.textContent()).resolves.toContain("#Instruction");
    await detail.getByTestId("graph").first().locator("svg g.node").first().waitFor({ timeout: 30_000 });
    expect(await detail.getByTestId("graph").first().locator("svg g.node").count()).toBeGreaterThan(1);
    await screenshot(page, "example-train");

    expect(watched.errors).toEqual([]);
    expect(await watched.violations()).toEqual([]);
    await page.close();
  });
});
