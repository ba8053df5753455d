/**
 * Compiles a runner's code into an engine's context, once per engine: evaluates the prelude and
 * the runner's script, binds them with `setup` into the engine's `call` function, then locks the
 * context down. No suggested code runs here (the factory is only called per call).
 */
import type { QuickJSContext, QuickJSHandle } from "quickjs-emscripten-core";
import { TraceError } from "../../errors/trace-error.js";
import { annotateSource } from "../annotate.js";
import { CodeCompileError, CodeMemoryError } from "../errors.js";
import { LOCKDOWN_SOURCE } from "./lockdown.js";
import { PRELUDE_SOURCE } from "./prelude.js";
import type { StrictScript } from "./script.js";

/** What an engine needs to compile a runner's code. */
export interface ProgramSpec {
  /** The bundled function's name (errors). */
  readonly name: string;
  /** The script's file name (QuickJS stack frames). */
  readonly filename: string;
  /** The runner's script. */
  readonly script: StrictScript;
  /** The suggested source as given (for annotated compile errors). */
  readonly source: string;
  /** JSON text of the scope's data values. */
  readonly scopeJson: string;
  /** Scope names bound to host helpers, in bridge index order. */
  readonly helperNames: readonly string[];
  /** Whether the script returns `({ method })` rather than the function itself. */
  readonly methodWrap: boolean;
  /** The engine's memory limit (for `CodeMemoryError` during set-up). */
  readonly memoryBytes: number;
}

const EVAL = { type: "global", strict: true } as const;

/**
 * Compiles `spec` in `ctx` and locks the context down.
 *
 * @param bridge the engine's helper bridge (host function)
 * @param read the engine's node-read bridge (host function)
 * @returns the engine's `call(selfText, argsText)` function (the caller owns the handle)
 * @throws CodeCompileError when QuickJS cannot compile the code; CodeMemoryError when the engine
 *   runs out of memory while setting up
 */
export function loadProgram(
  ctx: QuickJSContext,
  spec: ProgramSpec,
  bridge: QuickJSHandle,
  read: QuickJSHandle,
): QuickJSHandle {
  const temporary: QuickJSHandle[] = [];
  const keep = (handle: QuickJSHandle): QuickJSHandle => {
    temporary.push(handle);
    return handle;
  };
  try {
    const prelude = keep(evaluate(ctx, PRELUDE_SOURCE, "trace-ts:strict-prelude", spec));
    const compiled = ctx.evalCode(spec.script.text, spec.filename, EVAL);
    if (compiled.error !== undefined) throw compileError(ctx, compiled.error, spec);
    const factory = keep(compiled.value);
    const setup = keep(ctx.getProp(prelude, "setup"));
    const args = [
      factory,
      keep(ctx.newString(spec.scopeJson)),
      keep(ctx.newString(JSON.stringify(spec.helperNames))),
      spec.methodWrap ? ctx.true : ctx.false,
      bridge,
      read,
    ];
    const call = unwrap(ctx, ctx.callFunction(setup, ctx.undefined, args), spec);
    try {
      const lockdown = keep(evaluate(ctx, LOCKDOWN_SOURCE, "trace-ts:strict-lockdown", spec));
      keep(
        unwrap(ctx, ctx.callFunction(lockdown, ctx.undefined, [prelude, call, factory, bridge, read]), spec),
      );
    } catch (error) {
      call.dispose();
      throw error;
    }
    return call;
  } finally {
    for (const handle of temporary) if (handle.alive) handle.dispose();
  }
}

function evaluate(ctx: QuickJSContext, code: string, filename: string, spec: ProgramSpec): QuickJSHandle {
  return unwrap(ctx, ctx.evalCode(code, filename, EVAL), spec);
}

function unwrap(
  ctx: QuickJSContext,
  result: { readonly value?: QuickJSHandle; readonly error?: QuickJSHandle },
  spec: ProgramSpec,
): QuickJSHandle {
  if (result.error === undefined) return result.value!;
  const info = dumpError(ctx, result.error);
  if (info.message === "out of memory") throw new CodeMemoryError(spec.name, spec.memoryBytes);
  throw new TraceError(
    "SANDBOX_ENGINE_SETUP",
    `the strict tier could not set up QuickJS for ${spec.name}: ${info.name}: ${info.message}`,
  );
}

function dumpError(
  ctx: QuickJSContext,
  handle: QuickJSHandle,
): { name: string; message: string; stack: string } {
  try {
    const info = ctx.dump(handle) as { name?: unknown; message?: unknown; stack?: unknown } | null;
    return {
      name: typeof info?.name === "string" ? info.name : "Error",
      message: typeof info?.message === "string" ? info.message : String(info),
      stack: typeof info?.stack === "string" ? info.stack : "",
    };
  } finally {
    handle.dispose();
  }
}

/** The CodeCompileError for a script QuickJS rejected, with the source line when the stack names it. */
function compileError(ctx: QuickJSContext, handle: QuickJSHandle, spec: ProgramSpec): Error {
  const info = dumpError(ctx, handle);
  if (info.message === "out of memory") return new CodeMemoryError(spec.name, spec.memoryBytes);
  const escaped = spec.filename.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const match = new RegExp(`${escaped}:(\\d+)`).exec(`${info.stack}\n${info.message}`);
  const line = match === null ? undefined : spec.script.sourceLineOf(Number(match[1]));
  return new CodeCompileError(
    spec.name,
    `${info.name}: ${info.message} (QuickJS)`,
    line,
    line === undefined ? undefined : annotateSource(spec.source, line),
  );
}
