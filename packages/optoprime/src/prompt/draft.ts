/**
 * The prompt as a list of sections of items, before it is joined into text. Keeping the items
 * apart lets the budget step shorten or drop them without re-rendering the whole problem.
 */

/** One entry of a section (a value, a code line, a feedback block). */
export interface DraftItem {
  /** Its text. */
  text: string;
  /** Re-renders it with a smaller value budget (absent when it cannot be shortened). */
  readonly shrink?: (maxChars: number) => { text: string; truncated: boolean };
}

/** One `#Section` of the problem. */
export interface DraftSection {
  /** Name without `#`, e.g. `Variables`. */
  readonly title: string;
  /** A line shown under the title (e.g. the #History explanation). */
  readonly intro?: string;
  /** The entries. */
  items: DraftItem[];
  /** Between entries: a line break, or a blank line for multi-line blocks. */
  readonly separator: "\n" | "\n\n";
  /** What an entry is called in the omission marker (`values`, `lines`, `blocks`, …). */
  readonly noun: string;
  /** How many entries were dropped to fit the budget. */
  omitted: number;
  /** Where the omission marker goes (index into `items`). */
  gapAt: number;
}

/** A whole prompt before joining. */
export interface Draft {
  /** The system message. */
  readonly system: string;
  /** The problem sections, in order. */
  readonly sections: DraftSection[];
  /** The last line of the problem message. */
  readonly closing: string;
}

/** The marker that replaces dropped entries. */
export function omissionMarker(section: DraftSection): string {
  return `…[${section.omitted} ${section.noun} omitted to fit the prompt budget]`;
}

/** The text of one section. */
export function sectionText(section: DraftSection): string {
  const lines: string[] = [];
  if (section.intro !== undefined) lines.push(section.intro);
  const items = section.items.map((i) => i.text);
  if (section.omitted > 0) items.splice(section.gapAt, 0, omissionMarker(section));
  if (items.length === 0) items.push("(none)");
  return `#${section.title}\n${lines.length > 0 ? `${lines.join("\n")}\n` : ""}${items.join(section.separator)}`;
}

/** Length of `sectionText(section)` without building it. */
export function sectionLength(section: DraftSection): number {
  let n = section.title.length + 2;
  if (section.intro !== undefined) n += section.intro.length + 1;
  let count = section.items.length;
  for (const item of section.items) n += item.text.length;
  if (section.omitted > 0) {
    n += omissionMarker(section).length;
    count++;
  }
  if (count === 0) return n + "(none)".length;
  return n + (count - 1) * section.separator.length;
}

/** The problem message: the sections, then the closing line. */
export function userText(draft: Draft): string {
  return [...draft.sections.map(sectionText), draft.closing].join("\n\n");
}

/** Length of `userText(draft)` without building it. */
export function userLength(draft: Draft): number {
  let n = draft.closing.length;
  for (const s of draft.sections) n += sectionLength(s) + 2;
  return n;
}
