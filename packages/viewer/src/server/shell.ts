/**
 * The HTML page shell: an empty `#app` the page code fills in.
 */

/** The page's title. */
export const PAGE_TITLE = "trace-ts runs";

/** The sentence shown when JavaScript is off. */
export const NOSCRIPT_TEXT = "The trace-ts run viewer needs JavaScript to show runs.";

/**
 * Escapes text for an HTML attribute or element body.
 *
 * @param text any text
 */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/**
 * The page served at `/`: it loads `/assets/app.css` and `/assets/app.js` with the token.
 *
 * @param token the session token
 */
export function serverShell(token: string): string {
  const q = escapeHtml(encodeURIComponent(token));
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${PAGE_TITLE}</title>`,
    // an empty icon, so the browser does not ask for /favicon.ico (which has no token)
    '<link rel="icon" href="data:,">',
    `<link rel="stylesheet" href="/assets/app.css?token=${q}">`,
    "</head>",
    "<body>",
    `<div id="app"><noscript>${NOSCRIPT_TEXT}</noscript></div>`,
    `<script src="/assets/app.js?token=${q}" defer></script>`,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}
