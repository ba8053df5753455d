/**
 * Browser-test support: the page bundle built into a temp folder, a real Chromium (Debian's, or
 * TRACE_CHROMIUM) with a fresh profile that is removed again, pages that record console errors,
 * CSP violations and dialogs, and screenshots under `<repo>/artifacts/viewer/`.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
/** The repository's root folder. */
export const REPO_ROOT = resolve(here, "../../../..");
/** Where screenshots go (gitignored; not the temp folder). */
export const ARTIFACTS_DIR = join(REPO_ROOT, "artifacts", "viewer");

/** Temp folders made by a test file, removed by {@link TempDirs.removeAll}. */
export class TempDirs {
  private readonly made: string[] = [];

  /** A fresh folder `<tmp>/<prefix>XXXXXX`. */
  make(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.made.push(dir);
    return dir;
  }

  /** Removes every folder made. */
  removeAll(): void {
    for (const dir of this.made.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

/** Builds the page (`app.js`, `app.css`) into `outdir` with scripts/build-client.mjs. */
export async function buildAssets(outdir: string): Promise<void> {
  const script = pathToFileURL(resolve(here, "../../scripts/build-client.mjs")).href;
  const mod = (await import(script)) as { buildClient: (dir: string) => Promise<unknown> };
  await mod.buildClient(outdir);
}

/** A running Chromium with its own profile folder. */
export interface BrowserSession {
  /** The browser context (one profile). */
  readonly context: BrowserContext;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Launches Chromium with a fresh profile in the temp folder.
 *
 * @throws Error naming how to install Chromium when the executable is missing
 */
export async function launchChromium(temp: TempDirs): Promise<BrowserSession> {
  const executablePath = process.env.TRACE_CHROMIUM ?? "/usr/bin/chromium";
  if (!existsSync(executablePath)) {
    throw new Error(
      `The viewer's browser tests need Chromium at ${executablePath}: install Debian's package ` +
        "(`apt-get install chromium`) or set TRACE_CHROMIUM to a Chromium executable.",
    );
  }
  const profile = temp.make("trace-viewer-chromium-");
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A page whose console errors, page errors, dialogs and CSP violations are recorded. */
export interface WatchedPage {
  /** The page. */
  readonly page: Page;
  /** Console errors and uncaught exceptions. */
  readonly errors: string[];
  /** Dialogs opened (`alert`, …): hostile text must never open one. */
  readonly dialogs: string[];
  /** The CSP violations reported so far. */
  violations(): Promise<string[]>;
}

const RECORD_VIOLATIONS = `
  window.__cspViolations = [];
  document.addEventListener("securitypolicyviolation", (e) => {
    window.__cspViolations.push(e.violatedDirective + " blocked " + e.blockedURI + " at " + e.sourceFile + ":" + e.lineNumber);
  });
`;

/** Opens a new watched page. */
export async function watchedPage(session: BrowserSession): Promise<WatchedPage> {
  const page = await session.context.newPage();
  await page.addInitScript({ content: RECORD_VIOLATIONS });
  const errors: string[] = [];
  const dialogs: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(`uncaught: ${error.message}`));
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return {
    page,
    errors,
    dialogs,
    violations: async () => (await page.evaluate("window.__cspViolations ?? []")) as string[],
  };
}

/** Waits until the page says it rendered (`body[data-state]` is `ready` or `error`). */
export async function waitForState(page: Page, state: "ready" | "error" = "ready"): Promise<void> {
  // a locator, not waitForFunction: the page's CSP forbids the eval a string predicate needs
  await page.locator(`body[data-state="${state}"]`).waitFor({ state: "attached", timeout: 30_000 });
}

/** Saves a full-page screenshot as `<repo>/artifacts/viewer/<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS_DIR, `${name}.png`), fullPage: true });
}
