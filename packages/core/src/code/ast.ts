/**
 * Minimal view of the swc AST: every node is an object with a `type` and a byte `span`. Only the
 * fields trace-ts reads are typed; everything else stays `unknown`.
 */

/** A byte range in the parsed text (swc positions are 1-based UTF-8 byte offsets). */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** One AST node. */
export interface AstNode {
  readonly type: string;
  readonly span?: Span;
  readonly [field: string]: unknown;
}

/** Whether a value is an AST node. */
export function isAstNode(value: unknown): value is AstNode {
  return (
    typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string"
  );
}

/** A field of a node, if it is itself a node. */
export function child(node: AstNode, field: string): AstNode | undefined {
  const v = node[field];
  return isAstNode(v) ? v : undefined;
}

/** A field of a node that holds a list of nodes (other entries are skipped). */
export function children(node: AstNode, field: string): AstNode[] {
  const v = node[field];
  return Array.isArray(v) ? v.filter(isAstNode) : [];
}

/** Calls `visit` on `root` and every node below it, parents before children. */
export function walk(root: AstNode, visit: (node: AstNode) => void): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const item = stack.pop();
    if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) stack.push(item[i]);
      continue;
    }
    if (typeof item !== "object" || item === null) continue;
    if (isAstNode(item)) visit(item);
    for (const key in item) {
      if (key === "span") continue;
      const v = (item as Record<string, unknown>)[key];
      if (typeof v === "object" && v !== null) stack.push(v);
    }
  }
}

/**
 * Converts swc byte positions to string indices. swc reports UTF-8 byte offsets starting at the
 * module span's start; JavaScript strings index UTF-16 code units.
 */
export class PositionMap {
  readonly #base: number;
  readonly #byteToIndex: Int32Array | undefined;

  /**
   * @param text the parsed text
   * @param base the byte position of the text's first character (the module span start)
   */
  constructor(text: string, base: number) {
    this.#base = base;
    if (Buffer.byteLength(text, "utf8") === text.length) return; // ASCII: bytes are indices
    const map = new Int32Array(Buffer.byteLength(text, "utf8") + 1);
    let byte = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.codePointAt(i)!;
      const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
      for (let b = 0; b < size; b++) map[byte + b] = i;
      byte += size;
      if (code >= 0x10000) i++; // surrogate pair: two code units, one code point
    }
    map[byte] = text.length;
    this.#byteToIndex = map;
  }

  /** The string index of a swc byte position. */
  index(position: number): number {
    const offset = position - this.#base;
    if (this.#byteToIndex === undefined) return offset;
    return this.#byteToIndex[Math.max(0, Math.min(offset, this.#byteToIndex.length - 1))]!;
  }
}
