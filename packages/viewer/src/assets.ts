/**
 * Where the page's bundled files live. This module sits directly in `src/` (and `dist/` once
 * built) so that `../dist/client/` points at the built page from both.
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ViewerAssetsMissingError } from "./errors.js";

/** The page's files, the only ones served under `/assets/`, with their content types. */
export const ASSET_FILES: Readonly<Record<string, string>> = {
  "app.js": "text/javascript; charset=utf-8",
  "app.css": "text/css; charset=utf-8",
};

/** The folder the page is built into (`packages/viewer/dist/client/`). */
export function defaultAssetsDir(): string {
  return fileURLToPath(new URL("../dist/client/", import.meta.url));
}

/**
 * Checks that every page file is present.
 *
 * @param dir the assets folder
 * @throws ViewerAssetsMissingError naming the first file missing
 */
export function checkAssets(dir: string): void {
  for (const file of Object.keys(ASSET_FILES)) {
    let ok = false;
    try {
      ok = statSync(join(dir, file)).isFile();
    } catch {
      ok = false;
    }
    if (!ok) throw new ViewerAssetsMissingError(dir, file);
  }
}
