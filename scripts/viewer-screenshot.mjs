#!/usr/bin/env node
// Takes the README's screenshot of the run viewer: `node scripts/viewer-screenshot.mjs <run-dir>
// [out.png]` after `npm run example:train` (and a build). Starts the built viewer on the folder,
// opens its first run at its last step in Debian's Chromium (or TRACE_CHROMIUM) and saves a PNG
// (default docs/images/viewer-run.png).
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";
import { startViewer } from "../packages/viewer/dist/index.js";

const [dir, out = join(import.meta.dirname, "../docs/images/viewer-run.png")] = process.argv.slice(2);
if (dir === undefined) {
  console.error("usage: node scripts/viewer-screenshot.mjs <run-dir> [out.png]");
  process.exit(2);
}
const viewer = await startViewer({ paths: [resolve(dir)], port: 0 });
const browser = await chromium.launch({
  executablePath: process.env.TRACE_CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
try {
  const base = viewer.url.split("#")[0];
  const page = await browser.newPage({ viewport: { width: 1280, height: 1500 }, deviceScaleFactor: 1 });
  const runs = await (await fetch(`${base.replace("/?", "/api/runs?")}`)).json();
  const run = runs.runs[0];
  await page.goto(`${base}#run=${encodeURIComponent(run.id)}&step=${run.steps}`);
  await page.waitForSelector('[data-testid="step-detail"] [data-testid="graph"] svg', { timeout: 60_000 });
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await viewer.close();
}
