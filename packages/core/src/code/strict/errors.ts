/**
 * Turns what the sandbox reports about a failure into host errors: the code's own errors become
 * host `Error`s of the same kind with a V8-style `stack` naming the runner's script; data
 * problems become `SandboxDataError`s; QuickJS's `out of memory` becomes `CodeMemoryError`.
 */
import { CodeMemoryError, HOST_ERROR_CONSTRUCTORS as HOST_ERRORS, SandboxDataError } from "../errors.js";

/** A failure as the prelude describes it (the `e<json>` wire form). */
export type SandboxFailure =
  | {
      /** An `Error` object. */
      readonly k: "e";
      readonly name: string;
      readonly message: string;
      readonly stack: string;
      readonly where?: string;
      readonly problem?: string;
    }
  | {
      /** Any other thrown value, described as text. */
      readonly k: "v";
      readonly text: string;
    };

/** Where the runner's code sits, for mapping stack frames. */
export interface ScriptLocation {
  /** The script's file name as QuickJS reports it in frames. */
  readonly filename: string;
  /** 1-based script line of the function's first line. */
  readonly firstCodeLine: number;
  /** 1-based script line of the function's last line. */
  readonly lastCodeLine: number;
}

/** The message V8 uses for a stack overflow; QuickJS says `InternalError: stack overflow`. */
export const STACK_OVERFLOW_MESSAGE = "Maximum call stack size exceeded";

/** Whether a failure is QuickJS running out of memory. */
export function isOutOfMemory(failure: SandboxFailure): boolean {
  return failure.k === "e" && failure.name === "InternalError" && failure.message === "out of memory";
}

/**
 * The host error for a failure of the sandboxed code.
 *
 * @param name the bundled function (for typed errors)
 * @param failure what the sandbox reported
 * @param location the script's file name and code lines
 * @param memoryBytes the memory limit (for `CodeMemoryError`)
 */
export function hostErrorFor(
  name: string,
  failure: SandboxFailure,
  location: ScriptLocation,
  memoryBytes: number,
): Error {
  if (failure.k === "v") return codeError("Error", failure.text, "", location);
  if (isOutOfMemory(failure)) return new CodeMemoryError(name, memoryBytes);
  if (failure.name === "SandboxDataError" && failure.where !== undefined && failure.problem !== undefined)
    return new SandboxDataError(name, failure.where, failure.problem);
  if (failure.name === "InternalError" && failure.message === "stack overflow")
    return codeError("RangeError", STACK_OVERFLOW_MESSAGE, failure.stack, location);
  return codeError(failure.name || "Error", failure.message, failure.stack, location);
}

/**
 * A host error of kind `errorName` (its constructor when it is a standard one, else `Error` with
 * that name) whose stack lists the frames of the runner's script in V8's format.
 */
export function codeError(
  errorName: string,
  message: string,
  quickjsStack: string,
  location: ScriptLocation,
): Error {
  const Host = HOST_ERRORS.get(errorName);
  const error = Host === undefined ? new Error(message) : new Host(message);
  if (Host === undefined) error.name = errorName;
  const frames = hostFrames(quickjsStack, location);
  error.stack = `${errorName}${message === "" ? "" : `: ${message}`}${frames.length > 0 ? `\n${frames.join("\n")}` : ""}`;
  return error;
}

const FRAME = /^\s*at (.*?) \((.*):(\d+):(\d+)\)\s*$/;
const NATIVE_FRAME = /^\s*at (.*?) \(native\)\s*$/;

/**
 * The frames of a QuickJS stack that belong to the suggested code, as V8 would print them:
 * `    at fn (file:line:col)`, `    at file:line:col` for anonymous functions, built-ins as
 * `    at name (native)`. Frames of the prelude and the wrapper are left out.
 */
export function hostFrames(quickjsStack: string, location: ScriptLocation): string[] {
  const out: string[] = [];
  for (const line of quickjsStack.split("\n")) {
    const m = FRAME.exec(line);
    if (m !== null) {
      const [, fn, file, lineText, col] = m;
      const scriptLine = Number(lineText);
      if (file !== location.filename) continue;
      if (scriptLine < location.firstCodeLine || scriptLine > location.lastCodeLine) continue;
      const place = `${file}:${scriptLine}:${col}`;
      out.push(fn === "<anonymous>" || fn === "" ? `    at ${place}` : `    at ${fn} (${place})`);
      continue;
    }
    const n = NATIVE_FRAME.exec(line);
    if (n !== null) out.push(`    at ${n[1]} (native)`);
  }
  // a trailing built-in frame would be one the prelude called (e.g. Reflect.apply)
  while (out.length > 0 && out[out.length - 1]!.endsWith("(native)")) out.pop();
  return out;
}

/** Parses the body of an `e<json>` reply; undefined when it is not one. */
export function parseFailure(body: string): SandboxFailure | undefined {
  try {
    const value = JSON.parse(body) as Partial<Record<string, unknown>>;
    if (value.k === "v" && typeof value.text === "string") return { k: "v", text: value.text };
    if (value.k === "e" && typeof value.name === "string" && typeof value.message === "string") {
      return {
        k: "e",
        name: value.name,
        message: value.message,
        stack: typeof value.stack === "string" ? value.stack : "",
        ...(typeof value.where === "string" ? { where: value.where } : {}),
        ...(typeof value.problem === "string" ? { problem: value.problem } : {}),
      };
    }
  } catch {
    // fall through
  }
  return undefined;
}
