/**
 * The self-contained HTML of a static export: page styles, page code and data inlined, under a
 * Content-Security-Policy that allows exactly those inline blocks by hash.
 */
import { createHash } from "node:crypto";
import type { StaticData } from "../protocol.js";
import { NOSCRIPT_TEXT, PAGE_TITLE } from "../server/shell.js";

/** The id of the `<script type="application/json">` holding the data. */
export const DATA_ELEMENT_ID = "trace-viewer-data";

/**
 * Code made safe to inline in a `<script>` element: `</script` and `<!--` cannot end or confuse
 * the element.
 *
 * @param code JavaScript
 */
export function escapeInlineScript(code: string): string {
  return code.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

/**
 * Styles made safe to inline in a `<style>` element (`</style` cannot end it).
 *
 * @param css CSS
 */
export function escapeInlineStyle(css: string): string {
  return css.replace(/<\/(style)/gi, "<\\/$1");
}

/**
 * Data as JSON that can sit inside a `<script type="application/json">`: `<` and the JavaScript
 * line separators written as escapes.
 *
 * @param data the export's data
 */
export function inlineJson(data: StaticData): string {
  return JSON.stringify(data)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/**
 * The CSP source of an inline block: `'sha256-<base64>'` of its exact text.
 *
 * @param text the element's content
 */
export function cspHash(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

/**
 * The export's HTML.
 *
 * @param data what the page shows
 * @param js the page code (`app.js`)
 * @param css the page styles (`app.css`)
 */
export function staticHtml(data: StaticData, js: string, css: string): string {
  const script = escapeInlineScript(js);
  const style = escapeInlineStyle(css);
  const csp =
    `default-src 'none'; script-src ${cspHash(script)} 'wasm-unsafe-eval'; style-src ${cspHash(style)}; ` +
    "img-src data:; base-uri 'none'; form-action 'none'";
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${PAGE_TITLE}</title>`,
    `<style>${style}</style>`,
    "</head>",
    "<body>",
    `<div id="app"><noscript>${NOSCRIPT_TEXT}</noscript></div>`,
    `<script type="application/json" id="${DATA_ELEMENT_ID}">${inlineJson(data)}</script>`,
    `<script>${script}</script>`,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}
