/**
 * Joining messages into sentences without doubled punctuation. A message built as
 * `${problem}. Do this` or `${problems.join("; ")}; nothing changed` shows `..` or `.;` when a
 * sub-message already ends with a period; `clause()` drops that ending first.
 */

/**
 * A sub-message ready to be followed by punctuation: surrounding space and a trailing `.`, `;`,
 * `,` or `:` removed (an ellipsis `...` or `…` is kept, since it is part of the text).
 *
 * @example
 * `${clause("Unexpected token.")}. Fix the code.` // "Unexpected token. Fix the code."
 *
 * @param text the sub-message
 */
export function clause(text: string): string {
  const trimmed = text.trim();
  if (trimmed.endsWith("...")) return trimmed;
  return trimmed.replace(/[.;,:]+$/, "").trimEnd();
}
