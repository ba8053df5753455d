import { annotateSource } from "../code/annotate.js";
import { CodeCompileError, CodeForbiddenError } from "../code/errors.js";
import { type CapturedStack, type StackFrame, stackFrames } from "../code/stack.js";
import type { BundleDefinition, Runnable } from "./definition.js";

/** Name of the function through which every bundle body is called; marks the body's frame in stacks. */
export const INVOKE_FRAME = "__traceBundleInvoke";

/**
 * Calls a bundle body. It exists so stack traces show a frame with a known name right below the
 * body's frame: that is how an error is attributed to the bundled function (and the failing line
 * found) even when it was raised in an undecorated helper the body called.
 */
export function __traceBundleInvoke(fn: unknown, self: unknown, args: readonly unknown[]): unknown {
  return Reflect.apply(fn as (...a: unknown[]) => unknown, self, args);
}

/**
 * The failing function's source with the failing line marked, for an error thrown while `runnable`
 * ran (or while compiling its source), or undefined when the line cannot be found.
 *
 * @param frames the error's stack frames, read before anything else touched the error
 */
export function annotateFailure(
  def: BundleDefinition,
  runnable: Runnable | undefined,
  source: unknown,
  error: unknown,
  stack: CapturedStack,
): string | undefined {
  const frames = stack.frames;
  if (error instanceof CodeCompileError) {
    if (error.annotatedSource !== undefined) return error.annotatedSource;
    return typeof source === "string" ? annotateSource(source, undefined) : undefined;
  }
  if (error instanceof CodeForbiddenError && typeof source === "string")
    return annotateSource(source, error.line);
  if (runnable === undefined)
    return typeof source === "string" ? annotateSource(source, undefined) : undefined;
  const text = runnable.source;
  if (text === "") return undefined;
  const located =
    runnable.runner !== undefined ? locateInCompiled(runnable, frames) : locateInOriginal(def, stack, text);
  if (located === undefined) return annotateSource(text, undefined);
  const { line, index } = located;
  // frames of trace-ts's sandbox runtime (the time-limit guard) are not the user's helpers
  const outside = frames.slice(0, index).filter((f) => !f.file?.startsWith("trace-ts:"));
  const thrower = outside[0];
  const note =
    outside.length > 0 && thrower !== undefined
      ? `(the error was raised in ${thrower.functionName ? `${thrower.functionName}()` : "a function"} called from the marked line)`
      : undefined;
  return annotateSource(text, line, note);
}

function locateInCompiled(
  runnable: Runnable,
  frames: readonly StackFrame[],
): { line: number; index: number } | undefined {
  const runner = runnable.runner!;
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i]!;
    if (f.file !== runner.filename || f.line === undefined) continue;
    const line = runner.sourceLineOf(f.line);
    if (line !== undefined) return { line, index: i };
  }
  return undefined;
}

function locateInOriginal(
  def: BundleDefinition,
  stack: CapturedStack,
  text: string,
): { line: number; index: number } | undefined {
  const { frames, structured } = stack;
  const lineCount = text.split("\n").length;
  const inRange = (line: number): boolean => line >= 1 && line <= lineCount;
  const bodyName = def.shape?.name ?? (def.original.name || undefined);
  // 1. the frame right above our invoke frame is the body (sync errors, nested calls)
  const invoke = frames.findIndex((f) => f.functionName === INVOKE_FRAME);
  const candidates: number[] = [];
  if (invoke > 0) candidates.push(invoke - 1);
  // 2. frames of a function with the body's name (async bodies after an await have no invoke frame)
  if (bodyName !== undefined) {
    for (let i = 0; i < frames.length; i++) if (frames[i]!.functionName === bodyName) candidates.push(i);
  }
  if (structured) {
    for (const i of candidates) {
      const f = frames[i]!;
      if (f.line === undefined || f.enclosingLine === undefined || f.file === undefined) continue;
      const line = f.line - f.enclosingLine + 1;
      if (!inRange(line)) continue;
      if (def.location === undefined) {
        const t = stack.textFrames?.[i];
        def.location = {
          file: f.file,
          line: f.enclosingLine,
          column: f.enclosingColumn ?? 1,
          textMatches: t !== undefined && t.file === f.file && t.line === f.line,
        };
      }
      return { line, index: i };
    }
    return undefined;
  }
  // 3. stack text only (formatted before the bundle saw the error): usable with a known location
  //    when the text's positions are the script's own (not source-mapped)
  const loc = def.location;
  if (loc === undefined || !loc.textMatches) return undefined;
  for (const i of [...candidates, ...frames.keys()]) {
    const f = frames[i]!;
    if (f.file !== loc.file || f.line === undefined) continue;
    const line = f.line - loc.line + 1;
    if (inRange(line)) return { line, index: i };
  }
  return undefined;
}

/** Reads an error's stack frames (must run before anything formats `error.stack`). */
export function framesOf(error: unknown): CapturedStack {
  try {
    return stackFrames(error);
  } catch {
    return { frames: [], structured: false, textFrames: undefined };
  }
}
