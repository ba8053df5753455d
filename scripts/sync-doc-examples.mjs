// Copies the tested example files into the docs pages that show them (between the
// "```ts\n// <path>" line and the closing fence), so the pages cannot drift from the tests.
// Usage: node scripts/sync-doc-examples.mjs [--check]
import { readFileSync, writeFileSync } from "node:fs";

const PAGES = {
  "docs/optimizers.md": ["optimizer.ts", "prompt.ts", "parser.ts"],
  "docs/development.md": ["provider.ts"],
};
const check = process.argv.includes("--check");
let stale = 0;
for (const [page, files] of Object.entries(PAGES)) {
  let text = readFileSync(page, "utf8");
  const before = text;
  for (const file of files) {
    const path = `examples/src/write-your-own/${file}`;
    const source = readFileSync(path, "utf8").trim();
    const head = `\`\`\`ts\n// ${path}\n`;
    const at = text.indexOf(head);
    if (at === -1) throw new Error(`${page} does not show ${path}`);
    const end = text.indexOf("\n```", at + head.length);
    text = text.slice(0, at + head.length) + source + text.slice(end);
  }
  if (text !== before) {
    stale++;
    if (!check) writeFileSync(page, text);
  }
}
if (check && stale > 0) {
  console.error(
    `sync-doc-examples: ${stale} page(s) differ from examples/src/write-your-own; run node scripts/sync-doc-examples.mjs`,
  );
  process.exit(1);
}
