import { stripCodeFence } from "@trace-ts/core";

/** The solution read from an answer. */
export interface ParsedSolution {
  /** Value text by key, as written between the tags (trimmed, markdown fence removed). */
  readonly values: Readonly<Record<string, string>>;
  /** What the model wrote before its first block (its analysis), trimmed. */
  readonly reasoning: string;
}

const BLOCK =
  /<\s*value\s+name\s*=\s*(?:"\s*`?([^"`]+?)`?\s*"|'\s*`?([^'`]+?)`?\s*'|`?([^\s>`]+)`?)\s*>([\s\S]*?)<\s*\/\s*value\s*>/gi;

/**
 * Reads `<value name="key">…</value>` blocks from an answer. The attribute may use double,
 * single or no quotes (and backticks around the key); tags are case-insensitive. When a key
 * appears twice, the last block wins (models sometimes draft, then correct). Returns undefined
 * when the answer holds no complete block.
 */
export function parseSolution(text: string): ParsedSolution | undefined {
  const values: Record<string, string> = {};
  let first: number | undefined;
  for (const m of text.matchAll(BLOCK)) {
    const key = (m[1] ?? m[2] ?? m[3] ?? "").trim();
    if (key === "") continue;
    first ??= m.index;
    values[key] = stripCodeFence(m[4]!.trim()).trim();
  }
  if (first === undefined) return undefined;
  return { values, reasoning: text.slice(0, first).trim() };
}
