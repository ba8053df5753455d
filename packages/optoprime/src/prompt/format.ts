import { isExceptionEntry, MessageNode, type ProblemEntry } from "@trace-ts/core";
import { formatValue, truncateText } from "@trace-ts/core/optimizer";

/** A value rendered for the prompt, with the full text kept so it can be cut shorter later. */
export interface RenderedValue {
  /** The entry as it appears in the prompt. */
  readonly text: string;
  /** Whether the value was cut. */
  readonly truncated: boolean;
  /** Renders the same entry with at most `maxChars` characters of value. */
  readonly shrink: (maxChars: number) => { text: string; truncated: boolean };
}

/** The type shown for an entry: its value type, or `error` for an exception node. */
export function shownType(entry: ProblemEntry): string {
  return isExceptionEntry(entry) ? "error" : entry.type;
}

/** A fence of backticks longer than any run of backticks inside `text` (at least three). */
export function fenceFor(text: string): string {
  let longest = 0;
  for (const m of text.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  return "`".repeat(Math.max(3, longest + 1));
}

/**
 * `key (type) = value` for one-line values, or the header followed by a fenced block for code
 * and multi-line values (so line breaks and quotes need no escaping).
 *
 * @param header `key (type…)`
 * @param text the value's text
 * @param isCode whether to label the block as JavaScript
 */
export function valueBlock(header: string, text: string, isCode: boolean): string {
  if (!isCode && !text.includes("\n")) return `${header} = ${text === "" ? '""' : text}`;
  const fence = fenceFor(text);
  return `${header} =\n${fence}${isCode ? "js" : ""}\n${text}\n${fence}`;
}

/** The one-line description shown next to a root value (operations are documented separately). */
function shownDescription(entry: ProblemEntry, maxChars: number): string {
  if (entry.node instanceof MessageNode) return "";
  const d = entry.description.replace(/\s+/g, " ").trim();
  return d === "" ? "" : `; ${truncateText(d, maxChars)}`;
}

/**
 * Renders a problem entry as `key (type; description) = value`, the value cut to `maxChars`
 * characters with a visible marker.
 *
 * @param entry the entry
 * @param maxChars value budget (Infinity: no cut)
 * @param descriptionChars budget of the description
 */
export function renderEntry(entry: ProblemEntry, maxChars: number, descriptionChars = 300): RenderedValue {
  const type = shownType(entry);
  const header = `${entry.key} (${type}${shownDescription(entry, descriptionChars)})`;
  const full = formatValue(entry.value);
  const isCode = entry.type === "code";
  const shrink = (chars: number) => {
    const shown = truncateText(full, chars);
    return { text: valueBlock(header, shown, isCode), truncated: shown.length !== full.length };
  };
  const first = shrink(maxChars);
  return { ...first, shrink };
}

/**
 * The signature line of function source: its text up to the body's opening brace (or arrow), e.g.
 * `greet(name)` or `async function load(url)`. Undefined when it cannot be told.
 */
export function signatureOf(source: unknown): string | undefined {
  if (typeof source !== "string") return undefined;
  const text = source.trim();
  let depth = 0;
  for (let i = 0; i < text.length && i < 2000; i++) {
    const c = text[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (depth === 0 && (c === "{" || (c === "=" && text[i + 1] === ">"))) {
      const sig = text.slice(0, i).replace(/\s+/g, " ").trim();
      return sig === "" ? undefined : sig;
    }
  }
  return undefined;
}
