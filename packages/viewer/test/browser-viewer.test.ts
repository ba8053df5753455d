/**
 * The page in real Chromium against the viewer's server: runs list, score chart, step detail with
 * diffs, optimizer calls and traced graphs, hostile text shown as text, compare view, cassette
 * tab, and problem boxes for malformed and truncated logs. No console errors, no CSP violations.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from "@jest/globals";
import type { Page } from "playwright-core";
import { type RunningViewer, startViewer } from "../src/index.js";
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
import {
  HOSTILE,
  INSTRUCTIONS,
  trainedRun,
  writeGraphLog,
  writeMalformedLog,
  writeTruncatedLog,
} from "./support-browser/runs.js";

jest.setTimeout(120_000);

const temp = new TempDirs();
let session: BrowserSession | undefined;
let viewer: RunningViewer | undefined;
let current: WatchedPage | undefined;

beforeAll(async () => {
  const assets = temp.make("trace-viewer-assets-");
  await buildAssets(assets);
  const dir = temp.make("trace-viewer-runs-");
  const alpha = join(dir, "alpha.jsonl");
  await trainedRun(alpha, 1);
  await trainedRun(join(dir, "beta.jsonl"), 2);
  writeGraphLog(alpha, join(dir, "graph.jsonl"));
  writeMalformedLog(alpha, join(dir, "malformed.jsonl"));
  writeTruncatedLog(alpha, join(dir, "truncated.jsonl"));
  writeFileSync(
    join(dir, "alpha.cassette.jsonl"),
    [
      { format: "trace-ts/cassette", version: 1, keyVersion: 1, createdAt: "2025-01-01T00:00:00.000Z" },
      {
        seq: 0,
        key: "k0",
        model: "scripted:agent",
        request: { messages: [["user", `What is 1 + 2? ${HOSTILE}`]] },
        result: { text: `3 ${HOSTILE}`, usage: { inputTokens: 5, outputTokens: 1 }, finishReason: "stop" },
      },
    ]
      .map((line) => `${JSON.stringify(line)}\n`)
      .join(""),
  );
  viewer = await startViewer({ paths: [dir], assetsDir: assets, port: 0, warn: () => {} });
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

async function open(hash: string): Promise<Page> {
  if (session === undefined || viewer === undefined) throw new Error("setup failed");
  current = await watchedPage(session);
  await current.page.goto(`${viewer.url}${hash}`);
  await waitForState(current.page);
  return current.page;
}

/** Nothing went wrong in the page: no console errors, dialogs, CSP violations or injected code. */
async function expectClean(): Promise<void> {
  if (current === undefined) throw new Error("no page");
  expect(current.errors).toEqual([]);
  expect(current.dialogs).toEqual([]);
  expect(await current.violations()).toEqual([]);
  expect(await current.page.evaluate("window.__pwned === undefined")).toBe(true);
}

/** Width and height of the first canvas under `selector`. */
async function canvasSize(page: Page, selector: string): Promise<{ width: number; height: number }> {
  const box = await page.locator(`${selector} canvas`).first().boundingBox();
  return { width: box?.width ?? 0, height: box?.height ?? 0 };
}

describe("viewer page in Chromium", () => {
  it("lists the runs and shows the problems of unreadable logs", async () => {
    const page = await open("");
    const table = page.getByTestId("runs-table");
    await expect(table.getByRole("link", { name: "alpha", exact: true }).count()).resolves.toBe(1);
    await expect(table.getByRole("link", { name: "beta", exact: true }).count()).resolves.toBe(1);
    const alphaRow = page.getByTestId("run-row").filter({ hasText: "alpha" }).first();
    await expect(alphaRow.textContent()).resolves.toContain("max-steps");
    expect(await page.getByTestId("problem").count()).toBeGreaterThanOrEqual(2);
    await screenshot(page, "runs-list");
    await expectClean();
  });

  it("draws the score and usage charts and lists every step", async () => {
    const page = await open("#run=alpha.jsonl");
    await page.getByTestId("score-chart").locator("canvas").waitFor({ timeout: 30_000 });
    const size = await canvasSize(page, '[data-testid="score-chart"]');
    expect(size.width).toBeGreaterThan(0);
    expect(size.height).toBeGreaterThan(0);
    expect((await canvasSize(page, '[data-testid="usage-chart"]')).width).toBeGreaterThan(0);
    // legend names the series read from step and eval records
    const legend = await page.getByTestId("score-chart").textContent();
    expect(legend).toContain("train batch");
    expect(legend).toContain("validation");
    expect(legend).toContain("step score");
    expect(await page.getByTestId("step-row").count()).toBe(3);
    await expect(page.locator(".run-header").textContent()).resolves.toContain("minibatch");
    await screenshot(page, "run");
    await expectClean();
  });

  it("shows a step's feedback, reasoning, diff, rejected suggestions and calls, hostile text as text", async () => {
    const page = await open("#run=alpha.jsonl&step=2");
    const detail = page.getByTestId("step-detail");
    await detail.waitFor({ timeout: 30_000 });
    const diff = detail.getByTestId("diff").first();
    await diff.waitFor();
    expect(await diff.locator(".d2h-ins").count()).toBeGreaterThan(0);
    expect(await diff.locator(".d2h-del").count()).toBeGreaterThan(0);
    const text = (await detail.textContent()) ?? "";
    // the hostile instruction, reasoning and feedback appear literally
    expect(text).toContain(`<img src=x onerror="window.__pwned=1">`);
    expect(text).toContain("</script><script>");
    expect(text).toContain(INSTRUCTIONS[1].slice(0, 20));
    expect(await detail.getByTestId("rejected").count()).toBeGreaterThan(0);
    expect(await detail.getByTestId("call").count()).toBeGreaterThan(0);
    // nothing was built from the hostile strings
    expect(await page.locator("main img, main script, main iframe, dialog").count()).toBe(0);
    // the step's row is marked and the route survives a click on another step
    await expect(page.locator('[data-testid="step-row"].selected').getAttribute("data-step")).resolves.toBe(
      "2",
    );
    await page.locator('[data-testid="step-row"][data-step="3"] a').click();
    await detail.locator("h2", { hasText: "Step 3" }).waitFor({ timeout: 30_000 });
    expect(page.url()).toContain("step=3");
    await page.goBack();
    await detail.locator("h2", { hasText: "Step 2" }).waitFor({ timeout: 30_000 });
    await screenshot(page, "step-detail");
    await expectClean();
  });

  it("renders a proposal's DOT graph as sanitized SVG", async () => {
    const page = await open("#run=graph.jsonl&step=1");
    const svg = page.getByTestId("graph").first().locator("svg");
    await svg.waitFor({ timeout: 30_000 });
    expect(await svg.locator("g.node").count()).toBe(2);
    expect(await svg.locator("a, script, foreignObject, image, use").count()).toBe(0);
    const risky = await page.evaluate(
      `[...document.querySelectorAll('[data-testid="graph"] svg *')].flatMap((e) => [...e.attributes].map((a) => a.name)).filter((n) => n.startsWith("on") || n === "href" || n === "xlink:href" || n === "style")`,
    );
    expect(risky).toEqual([]);
    await expect(svg.textContent()).resolves.toContain(`<img src=x onerror="window.__pwned=1">`);
    await screenshot(page, "graph");
    await expectClean();
  });

  it("draws the graph the trainer logged with a proposal", async () => {
    const page = await open("#run=alpha.jsonl&step=1");
    await page.getByTestId("step-detail").waitFor({ timeout: 30_000 });
    const graphs = page.getByTestId("graph");
    await graphs.first().locator("svg g.node").first().waitFor({ timeout: 30_000 });
    await expectClean();
  });

  it("compares two runs on one chart with their final parameters", async () => {
    const page = await open("#compare=alpha.jsonl,beta.jsonl");
    await page.getByTestId("compare-chart").locator("canvas").waitFor({ timeout: 30_000 });
    expect((await canvasSize(page, '[data-testid="compare-chart"]')).width).toBeGreaterThan(0);
    const params = await page.getByTestId("compare-parameters").textContent();
    expect(params).toContain("instruction");
    await screenshot(page, "compare");
    await expectClean();
  });

  it("shows the cassette's calls", async () => {
    const page = await open("#run=alpha.jsonl&tab=cassette");
    const call = page.getByTestId("cassette-call").first();
    await call.waitFor({ timeout: 30_000 });
    await expect(call.textContent()).resolves.toContain("scripted:agent");
    await call.locator("details").first().evaluate("(d) => { d.open = true; }");
    await expect(page.getByTestId("cassette").textContent()).resolves.toContain(`What is 1 + 2? ${HOSTILE}`);
    expect(await page.locator("main img, main script").count()).toBe(0);
    await screenshot(page, "cassette");
    await expectClean();
  });

  it("shows a problem box for a malformed and for a truncated log", async () => {
    let page = await open("#run=malformed.jsonl");
    let problem = page.getByTestId("problem").first();
    await expect(problem.textContent()).resolves.toMatch(/line 2/);
    expect(await page.getByRole("alert").count()).toBeGreaterThan(0);
    await expect(page.locator(".run-header h1").textContent()).resolves.toContain("malformed");
    await screenshot(page, "malformed");
    await expectClean();
    await current?.page.close();
    page = await open("#run=truncated.jsonl");
    problem = page.getByTestId("problem").first();
    await expect(problem.textContent()).resolves.toMatch(/truncated/);
    await screenshot(page, "truncated");
    await expectClean();
  });

  it("says so when a run does not exist", async () => {
    const page = await open("").then(async (p) => {
      await p.evaluate(`location.hash = "#run=nope.jsonl"`);
      await waitForState(p, "error");
      return p;
    });
    await expect(page.getByTestId("problem").textContent()).resolves.toContain("/api/run");
    // a 404 is a console error of the browser itself; only that one is expected
    if (current !== undefined)
      current.errors.splice(0, current.errors.length, ...current.errors.filter((e) => !/404/.test(e)));
    await expectClean();
  });
});
