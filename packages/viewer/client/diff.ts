/**
 * Diffs of changed values: a unified diff per change (jsdiff), drawn by diff2html, which escapes
 * every line; code values are highlighted as TypeScript.
 */
import { createTwoFilesPatch } from "diff";
import { Diff2HtmlUI } from "diff2html/lib-esm/ui/js/diff2html-ui-slim.js";
import { asText, field, str } from "./checks.js";
import { el } from "./dom.js";

const CODE = /\b(function|return|const|let|class|import|export|async|await)\b|=>|[;{}]\s*$/m;

/** Whether a value reads like program code (highlighted as TypeScript). */
export function looksLikeCode(value: unknown): boolean {
  return typeof value === "string" && CODE.test(value);
}

/** A file name for a diff header made of safe characters only. */
function fileName(key: string, code: boolean): string {
  const safe = key.replace(/[^A-Za-z0-9_.:-]/g, "_").slice(0, 80) || "value";
  return `${safe}${code ? ".ts" : ".txt"}`;
}

/** The unified diff of one change's `before` and `after`. */
export function changePatch(key: string, before: unknown, after: unknown): string {
  const a = asText(before);
  const b = asText(after);
  const name = fileName(key, looksLikeCode(before) || looksLikeCode(after));
  return createTwoFilesPatch(`a/${name}`, `b/${name}`, `${a}\n`, `${b}\n`, undefined, undefined, {
    context: 3,
  });
}

/** A rendered diff (`data-testid="diff"`) of a change record (or any `{key, before, after}`). */
export function changeDiff(change: unknown): HTMLElement {
  const key = str(field(change, "key")) ?? str(field(change, "name")) ?? "value";
  return patchElement(changePatch(key, field(change, "before"), field(change, "after")), key);
}

/** A rendered diff of a unified patch; `title` is shown above it as text. */
export function patchElement(patch: string, title: string): HTMLElement {
  const body = el("div", { class: "diff-body" });
  const ui = new Diff2HtmlUI(body, patch, {
    outputFormat: "line-by-line",
    drawFileList: false,
    matching: "lines",
    highlight: true,
    fileListToggle: false,
    fileContentToggle: false,
    stickyFileHeaders: false,
    synchronisedScroll: false,
    smartSelection: false,
  });
  ui.draw();
  return el("div", { class: "diff", testid: "diff" }, el("div", { class: "diff-title" }, title), body);
}
