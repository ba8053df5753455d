// Bundles the viewer's page: client/app.ts → <outdir>/app.js (one IIFE script for the browser)
// and the page's styles → <outdir>/app.css (uPlot's and diff2html's stylesheets, then
// client/app.css). Run by the package build after `tsc -b`:
//   node scripts/build-client.mjs [--outdir DIR]
// The default outdir is packages/viewer/dist/client, where the server looks for the page.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = resolve(here, "..");
const require = createRequire(join(packageDir, "package.json"));

/** Where `node scripts/build-client.mjs` writes without `--outdir`. */
export const DEFAULT_OUTDIR = join(packageDir, "dist", "client");

/**
 * Builds the page into `outdir` (created when missing): `app.js` and `app.css`.
 *
 * @param {string} [outdir] the folder to write to (default {@link DEFAULT_OUTDIR})
 * @returns {Promise<{ js: string, css: string }>} the paths written
 */
export async function buildClient(outdir = DEFAULT_OUTDIR) {
  await mkdir(outdir, { recursive: true });
  const js = join(outdir, "app.js");
  const css = join(outdir, "app.css");
  await build({
    entryPoints: [join(packageDir, "client", "app.ts")],
    outfile: js,
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2022",
    minify: true,
    sourcemap: false,
    legalComments: "eof",
    logLevel: "warning",
  });
  const sheets = [
    require.resolve("uplot/dist/uPlot.min.css"),
    require.resolve("diff2html/bundles/css/diff2html.min.css"),
    join(packageDir, "client", "app.css"),
  ];
  const parts = await Promise.all(sheets.map((file) => readFile(file, "utf8")));
  await writeFile(css, `${parts.join("\n")}\n`);
  return { js, css };
}

function outdirArgument(argv) {
  const i = argv.indexOf("--outdir");
  if (i === -1) return undefined;
  const value = argv[i + 1];
  if (value === undefined || value.startsWith("--")) throw new Error("--outdir needs a folder");
  return resolve(value);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  buildClient(outdirArgument(process.argv.slice(2))).catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
