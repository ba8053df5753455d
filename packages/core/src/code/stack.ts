/** One frame of an error's stack. */
export interface StackFrame {
  /** Function (or method) name, when V8 knows it. */
  readonly functionName: string | undefined;
  /** Script file name or URL. */
  readonly file: string | undefined;
  /** 1-based line. */
  readonly line: number | undefined;
  /** 1-based column. */
  readonly column: number | undefined;
  /** 1-based line where the enclosing function starts (structured stacks only). */
  readonly enclosingLine: number | undefined;
  /** 1-based column where the enclosing function starts (structured stacks only). */
  readonly enclosingColumn: number | undefined;
}

/** V8's structured call site, with the members Node 20 provides beyond `@types/node`. */
interface CallSiteLike {
  getFunctionName(): string | null;
  getMethodName(): string | null;
  getFileName(): string | null | undefined;
  getScriptNameOrSourceURL?(): string | null | undefined;
  getLineNumber(): number | null;
  getColumnNumber(): number | null;
  getEnclosingLineNumber?(): number | null;
  getEnclosingColumnNumber?(): number | null;
  toString(): string;
}

type PrepareStackTrace = (error: Error, sites: CallSiteLike[]) => unknown;

/** An error's stack frames, and how they were obtained. */
export interface CapturedStack {
  /** The frames, innermost first. */
  readonly frames: readonly StackFrame[];
  /**
   * Whether the frames come from V8's structured call sites (positions in the script V8 ran) rather
   * than from parsing the stack text, which a formatter may have source-mapped to another file.
   */
  readonly structured: boolean;
  /** With structured frames: the same frames parsed from the formatted text, when it could be read. */
  readonly textFrames: readonly StackFrame[] | undefined;
}

/**
 * The frames of an error's stack. When V8 has not formatted the stack yet, its structured call
 * sites are read (they know where each frame's function starts); the stack text is then formatted
 * exactly as it would have been (by the previous `Error.prepareStackTrace`, or V8's default). When
 * the stack was already formatted, the text is parsed instead.
 */
export function stackFrames(error: unknown): CapturedStack {
  if (typeof error !== "object" || error === null)
    return { frames: [], structured: false, textFrames: undefined };
  const captured = captureCallSites(error as Error);
  if (captured !== undefined) {
    const text = captured.text;
    return {
      frames: captured.sites.map(fromCallSite),
      structured: true,
      textFrames: typeof text === "string" ? parseStack(text) : undefined,
    };
  }
  const stack = (error as { stack?: unknown }).stack;
  return {
    frames: typeof stack === "string" ? parseStack(stack) : [],
    structured: false,
    textFrames: undefined,
  };
}

function captureCallSites(error: Error): { sites: CallSiteLike[]; text: unknown } | undefined {
  const ErrorCtor = Error as unknown as { prepareStackTrace?: PrepareStackTrace };
  const previous = ErrorCtor.prepareStackTrace;
  let captured: CallSiteLike[] | undefined;
  let text: unknown;
  ErrorCtor.prepareStackTrace = (e, sites) => {
    captured = sites;
    text = typeof previous === "function" ? previous(e, sites) : defaultFormat(e, sites);
    return text;
  };
  try {
    void error.stack;
  } catch {
    // a throwing getter: fall back to nothing
  } finally {
    ErrorCtor.prepareStackTrace = previous;
  }
  return captured === undefined ? undefined : { sites: captured, text };
}

/** V8's default stack format: the error's `toString()` and one `    at …` line per frame. */
function defaultFormat(error: Error, sites: readonly CallSiteLike[]): string {
  let head: string;
  try {
    head = String(error);
  } catch {
    head = "Error";
  }
  return head + sites.map((s) => `\n    at ${s}`).join("");
}

function fromCallSite(site: CallSiteLike): StackFrame {
  const num = (v: number | null | undefined): number | undefined => (typeof v === "number" ? v : undefined);
  return {
    functionName: site.getFunctionName() ?? site.getMethodName() ?? undefined,
    file: site.getFileName() ?? site.getScriptNameOrSourceURL?.() ?? undefined,
    line: num(site.getLineNumber()),
    column: num(site.getColumnNumber()),
    enclosingLine: num(site.getEnclosingLineNumber?.()),
    enclosingColumn: num(site.getEnclosingColumnNumber?.()),
  };
}

const FRAME = /^\s*at (?:async )?(?:(.*?) \()?(.*?):(\d+):(\d+)\)?\s*$/;

/** Parses V8 stack text (`    at name (file:line:column)` lines). */
export function parseStack(stack: string): StackFrame[] {
  const frames: StackFrame[] = [];
  for (const text of stack.split("\n")) {
    if (!/^\s*at /.test(text)) continue;
    const m = FRAME.exec(text);
    if (!m) continue;
    let name = m[1]?.replace(/ \[as [^\]]+\]$/, "").replace(/^new /, "");
    if (name?.includes(".")) name = name.slice(name.lastIndexOf(".") + 1);
    frames.push({
      functionName: name || undefined,
      file: m[2],
      line: Number(m[3]),
      column: Number(m[4]),
      enclosingLine: undefined,
      enclosingColumn: undefined,
    });
  }
  return frames;
}
