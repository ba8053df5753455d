import vm from "node:vm";
import { canonicalForm } from "../code/canonical.js";
import { compileBinder, type PreparedCode, prepareCode } from "../code/compile.js";
import { InvalidScopeError } from "../code/errors.js";
import { type FunctionShape, type ParsedFunction, parseFunction } from "../code/parse.js";
import { RealmRunner } from "../code/realm-runner.js";
import type { CodeRunner, IsolationLevel, RunLimits } from "../code/runner.js";
import { parameterList, signatureText } from "../code/signature.js";
import { createStrictRunner } from "../code/strict/index.js";
import { type BundleSourceLocation, type DefinitionSite, resolveSourceLocation } from "./location.js";
import type { ResolvedBundleOptions } from "./options.js";
import { freeNames, normalizeIndentation, rawSource } from "./source.js";

/** Any function a bundle can wrap (called through `Reflect.apply`). */
export type AnyFunction = (this: never, ...args: never[]) => unknown;

/** How a bundle was declared: `bundle(fn)` or `@bundle()` on a method. */
export type BundleForm = "function" | "method";

/** Code a bundle can run: the original function or a compiled version of suggested source. */
export interface Runnable {
  /** The source text this runs (the code parameter's value). */
  readonly source: string;
  /** The function to call (with the instance as `this`). */
  readonly fn: AnyFunction;
  /** The engine running suggested code, or undefined for the original function. */
  readonly runner: CodeRunner | undefined;
  /** Each parameter's value with defaults applied, or undefined when that is not known. */
  bind(self: unknown, args: readonly unknown[]): unknown[] | undefined;
}

/** Where the original function starts in its script (learned from stack traces). */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /**
   * Whether formatted stack text uses the same positions as V8's structured frames (false when a
   * formatter source-maps them, as jest and `--enable-source-maps` do); only then can stack text be
   * mapped with this location.
   */
  readonly textMatches: boolean;
}

/** How a bundle names its inputs. */
export interface InputLayout {
  /** Names of the parameters before any rest parameter. */
  readonly fixed: readonly string[];
  /** Whether each fixed parameter has a default value. */
  readonly hasDefault: readonly boolean[];
  /** Base name of the rest parameter (`args` → `args_0`, `args_1`…), or undefined. */
  readonly rest: string | undefined;
}

const INSTANCE_CACHE_LIMIT = 8;

/** The `code` of the warning about names a trainable bundle's rewritten code would not see. */
export const FREE_NAMES_WARNING = "TRACE_BUNDLE_FREE_NAMES";

let builtins: ReadonlySet<string> | undefined;

/**
 * The globals suggested code sees in both tiers: the ECMAScript built-ins of a fresh V8 context
 * and `console` (`SharedArrayBuffer`, `Atomics` and `WebAssembly` are removed by the sandbox).
 */
function sandboxGlobals(): ReadonlySet<string> {
  if (builtins === undefined) {
    const names = vm.runInNewContext("Object.getOwnPropertyNames(globalThis)") as string[];
    const removed = new Set(["SharedArrayBuffer", "Atomics", "WebAssembly"]);
    builtins = new Set([...names.filter((n) => !removed.has(n)), "console", "arguments"]);
  }
  return builtins;
}

/**
 * Everything shared by all calls of one bundled function or method: its name, options, original
 * function and captured source, parsed signature, input names, and the compiled versions of
 * suggested code. Per-instance state (the code parameter) lives in `CodeSlot`.
 */
export class BundleDefinition {
  /** Operation name in the graph. */
  readonly name: string;
  /** The function as written. */
  readonly original: AnyFunction;
  /** Options with defaults applied. */
  readonly options: ResolvedBundleOptions;
  /** Function or method. */
  readonly form: BundleForm;
  /** Where the original function starts, once a stack trace showed it. */
  location: SourceLocation | undefined;
  #source: string | null | undefined;
  #parsed: ParsedFunction | null | undefined;
  #layout: InputLayout | undefined;
  #originalRunnable: Runnable | undefined;
  #originalBinder: ((self: unknown, args: readonly unknown[]) => unknown[]) | null | undefined;
  #canonical: string | null | undefined;
  #description: string | undefined;
  #freeNamesChecked = false;
  readonly #site: DefinitionSite | undefined;
  #sourceLocation: BundleSourceLocation | null | undefined;
  readonly #runners = new Map<string, { prepared: PreparedCode; runner: CodeRunner }>();

  /**
   * @param original the function to wrap
   * @param name the operation name
   * @param options resolved options
   * @param form how it was declared
   * @param site the stack captured where it was declared (see `sourceLocation`)
   */
  constructor(
    original: AnyFunction,
    name: string,
    options: ResolvedBundleOptions,
    form: BundleForm,
    site?: DefinitionSite,
  ) {
    this.original = original;
    this.name = name;
    this.options = options;
    this.form = form;
    this.#site = site;
  }

  /**
   * Where the function or method starts in the user's file (`{ file, line }`, 1-based), worked out
   * on first read from the stack captured at declaration and, when the file is readable, the first
   * line at or after it that shows the function's head. Undefined when it cannot be found. Lines are
   * those stack traces show: the TypeScript file's under source maps, the compiled file's without.
   */
  get sourceLocation(): BundleSourceLocation | undefined {
    if (this.#sourceLocation === undefined) {
      const firstLine = rawSource(this.original)?.split("\n", 1)[0];
      this.#sourceLocation = (this.#site && resolveSourceLocation(this.#site, firstLine, this.form)) ?? null;
    }
    return this.#sourceLocation ?? undefined;
  }

  /**
   * The captured source, dedented and with 2-space indentation steps (see `normalizeIndentation`),
   * or undefined for native and bound functions.
   */
  get source(): string | undefined {
    if (this.#source === undefined) {
      const raw = rawSource(this.original);
      this.#source = raw === undefined ? null : normalizeIndentation(raw);
    }
    return this.#source ?? undefined;
  }

  /** The parsed original source, or undefined when it is unavailable or does not parse. */
  get parsed(): ParsedFunction | undefined {
    if (this.#parsed === undefined) {
      const source = this.source;
      try {
        this.#parsed = source === undefined ? null : parseFunction(source, this.name);
      } catch {
        this.#parsed = null;
      }
    }
    return this.#parsed ?? undefined;
  }

  /** The original signature, when known. */
  get shape(): FunctionShape | undefined {
    return this.parsed?.shape;
  }

  /** Whether the function is declared `async`. */
  get isAsync(): boolean {
    return this.shape?.isAsync ?? this.original.constructor?.name === "AsyncFunction";
  }

  /** Input names: parameters by name, destructured ones `arg<i>`, rest parameters `name_<i>`. */
  get layout(): InputLayout {
    if (this.#layout === undefined) {
      const shape = this.shape;
      if (shape === undefined) {
        this.#layout = { fixed: [], hasDefault: [], rest: "args" };
      } else {
        const fixed: string[] = [];
        const hasDefault: boolean[] = [];
        let rest: string | undefined;
        shape.params.forEach((p, i) => {
          if (p.rest) rest = p.name ?? "args";
          else {
            fixed.push(p.name ?? `arg${i}`);
            hasDefault.push(p.hasDefault);
          }
        });
        // destructured parameters are `arg<i>`; keep every name unique
        const used = new Set<string>();
        for (let i = 0; i < fixed.length; i++) {
          while (used.has(fixed[i]!)) fixed[i] = `${fixed[i]}_`;
          used.add(fixed[i]!);
        }
        this.#layout = { fixed, hasDefault, rest };
      }
    }
    return this.#layout;
  }

  /** The signature text shown to optimizers, e.g. `add(a, b = 2)`. */
  get signature(): string {
    const shape = this.shape;
    return shape ? signatureText(shape) : `${this.name}(…)`;
  }

  /** Description of the operation (the `description` option, or a generated one). */
  get description(): string {
    if (this.#description === undefined) {
      const params = this.shape ? parameterList(this.shape) : "…";
      this.#description = `[${this.name}] ${this.options.description ?? `Calls ${this.name}(${params}).`}`;
    }
    return this.#description;
  }

  /**
   * Names the original source reads from outside the function that rewritten code would not see:
   * neither declared in the function, nor built-ins of the sandbox, nor in `scope`. Empty when the
   * source or the scope is not available.
   */
  missingScopeNames(): string[] {
    const parsed = this.parsed;
    if (parsed === undefined) return [];
    let scope: Readonly<Record<string, unknown>>;
    try {
      scope = this.scope();
    } catch {
      return [];
    }
    const globals = sandboxGlobals();
    return (freeNames(parsed.js, parsed.wrap) ?? []).filter(
      (n) => !globals.has(n) && !Object.hasOwn(scope, n),
    );
  }

  /**
   * For a trainable bundle, once: warns (`process.emitWarning`, code `TRACE_BUNDLE_FREE_NAMES`)
   * when the original code uses names from the program that rewritten code would not see, because
   * they are not in `scope`. Called at the first call and when the code parameter is made; skipped
   * while the scope thunk cannot run yet (retried next time).
   */
  warnAboutMissingScope(): void {
    if (this.#freeNamesChecked || !this.options.trainable) return;
    try {
      this.scope();
    } catch {
      return; // e.g. a const declared after the class: try again at the next call
    }
    this.#freeNamesChecked = true;
    const missing = this.missingScopeNames();
    if (missing.length === 0) return;
    const list = missing.join(", ");
    const known = this.options.scope === undefined ? [] : Object.keys(this.scope());
    process.emitWarning(
      `trace-ts: the trainable bundle ${this.name} uses ${list} from your program, which rewritten code will not see: ` +
        "suggested code sees only its parameters, this, JavaScript's built-ins and the bundle's scope. " +
        `Pass ${missing.length === 1 ? "it" : "them"} in with scope: () => ({ ${[...known, ...missing].join(", ")} }), ` +
        "or the first rewrite will fail with a ReferenceError.",
      { type: "TraceWarning", code: FREE_NAMES_WARNING },
    );
  }

  /** The scope the bundle's suggested code may use (the `scope` thunk's result, checked). */
  scope(): Readonly<Record<string, unknown>> {
    const thunk = this.options.scope;
    if (thunk === undefined) return {};
    let value: unknown;
    try {
      value = thunk();
    } catch (error) {
      throw new InvalidScopeError(
        this.name,
        `the scope thunk threw ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new InvalidScopeError(
        this.name,
        `the scope thunk must return an object, got ${value === null ? "null" : typeof value}`,
      );
    }
    return value as Readonly<Record<string, unknown>>;
  }

  /**
   * Checks suggested source without applying it: parse (JavaScript or TypeScript), signature,
   * safety, strict-mode compilation. Cached per distinct source.
   *
   * @throws CodeCompileError, CodeForbiddenError, SignatureChangedError, InvalidScopeError
   */
  prepare(candidate: unknown): PreparedCode {
    return prepareCode(candidate, {
      name: this.name,
      scopeNames: Object.keys(this.scope()),
      expected: this.shape,
      guardLoops: Number.isFinite(this.options.budgetMs),
    });
  }

  /**
   * Checks that a source can run: either it is the original function's (which needs no
   * compilation) or it prepares (see `prepare`).
   *
   * @throws CodeCompileError, CodeForbiddenError, SignatureChangedError, InvalidScopeError
   */
  prepareOrOriginal(candidate: unknown): void {
    if (typeof candidate === "string" && this.isOriginal(candidate)) return;
    this.prepare(candidate);
  }

  /** The text of the constraint a code parameter carries. */
  constraint(): string {
    let names: string[] = [];
    try {
      names = Object.keys(this.scope());
    } catch {
      // the thunk cannot run yet (e.g. a const declared later); leave the names out
    }
    const extra = names.length > 0 ? `, and these names from the program: ${names.join(", ")}` : "";
    return (
      `Keep the signature ${this.signature} (same parameter names and order${this.isAsync ? ", still async" : ""}); only the body may change. ` +
      `JavaScript or TypeScript. The code runs in strict mode and sees only its parameters, this, JavaScript's built-ins${extra}.`
    );
  }

  /** Whether a source is the original function's, up to whitespace, comments and types. */
  isOriginal(candidate: string): boolean {
    const source = this.source;
    if (source === undefined) return false;
    if (candidate === source) return true;
    if (this.#canonical === undefined) {
      const parsed = this.parsed;
      this.#canonical = parsed ? (canonicalForm(parsed) ?? null) : null;
    }
    if (this.#canonical === null) return false;
    let parsed: ParsedFunction;
    try {
      parsed = parseFunction(candidate, this.name);
    } catch {
      return false;
    }
    return canonicalForm(parsed) === this.#canonical;
  }

  /** The original function as a `Runnable`. */
  get originalRunnable(): Runnable {
    if (this.#originalRunnable === undefined) {
      this.#originalRunnable = {
        source: this.source ?? "",
        fn: this.original,
        runner: undefined,
        bind: (thisArg, args) => this.#bindOriginal(thisArg, args),
      };
    }
    return this.#originalRunnable;
  }

  /** The limits suggested code of this bundle runs under. */
  get limits(): RunLimits {
    const o = this.options;
    return { cpuMs: o.budgetMs, wallMs: o.wallMs, memoryBytes: o.memoryBytes };
  }

  /**
   * The code to run for a code parameter value: the original function when the value is the
   * original source, otherwise the suggestion compiled for the given isolation tier (once per
   * distinct source and tier; the least recently compiled of more than 8 is released).
   *
   * @throws CodeCompileError, CodeForbiddenError, SignatureChangedError, InvalidScopeError
   */
  runnableFor(candidate: unknown, isolation: IsolationLevel): Runnable {
    if (typeof candidate === "string" && this.isOriginal(candidate)) return this.originalRunnable;
    const prepared = this.prepare(candidate);
    const key = `${isolation}\u0000${prepared.filename}`;
    let entry = this.#runners.get(key);
    if (entry === undefined || entry.prepared !== prepared) {
      const runner: CodeRunner =
        isolation === "strict"
          ? createStrictRunner({
              name: this.name,
              parsed: prepared.parsed,
              scope: this.scope(),
              limits: this.limits,
            })
          : new RealmRunner({
              name: this.name,
              prepared,
              scope: this.scope(),
              limits: this.limits,
            });
      entry?.runner.dispose();
      entry = { prepared, runner };
      if (this.#runners.size >= INSTANCE_CACHE_LIMIT) {
        const oldest = this.#runners.keys().next().value!;
        this.#runners.get(oldest)?.runner.dispose();
        this.#runners.delete(oldest);
      }
      this.#runners.set(key, entry);
    }
    const runner = withScopeHint(entry.runner);
    return {
      source: candidate as string,
      fn: this.original,
      runner,
      bind: (thisArg, args) => runner.bind(thisArg, args),
    };
  }

  #bindOriginal(thisArg: unknown, args: readonly unknown[]): unknown[] | undefined {
    if (this.#originalBinder === undefined) {
      const shape = this.shape;
      let scope: Readonly<Record<string, unknown>> = {};
      try {
        scope = this.scope();
      } catch {
        // defaults that need the scope will fail and fall back below
      }
      this.#originalBinder = (shape && compileBinder(shape, scope, this.name)) ?? null;
    }
    if (this.#originalBinder === null) return undefined;
    try {
      return this.#originalBinder(thisArg, args);
    } catch {
      return undefined;
    }
  }
}

/**
 * A runner whose `ReferenceError`s (`x is not defined`) say that suggested code sees only its
 * parameters, `this`, built-ins and the bundle's `scope`, and how to pass the name in.
 */
function withScopeHint(runner: CodeRunner): CodeRunner {
  return {
    isolation: runner.isolation,
    filename: runner.filename,
    isAsync: runner.isAsync,
    sourceLineOf: (line) => runner.sourceLineOf(line),
    bind: (self, args) => runner.bind(self, args),
    dispose: () => runner.dispose(),
    call: (self, args, env) => {
      let result: unknown;
      try {
        result = runner.call(self, args, env);
      } catch (error) {
        throw addScopeHint(error);
      }
      if (result instanceof Promise)
        return result.then(undefined, (error: unknown) => {
          throw addScopeHint(error);
        });
      return result;
    },
  };
}

/** Appends the scope hint to the message of a `ReferenceError: x is not defined` (the same object). */
export function addScopeHint(error: unknown): unknown {
  if (!(error instanceof Error) || error.name !== "ReferenceError") return error;
  const m = /^'?([A-Za-z_$][\w$]*)'? is not defined$/.exec(error.message);
  if (m === null) return error;
  const name = m[1]!;
  try {
    error.message =
      `${error.message} (suggested code sees only its parameters, this, JavaScript's built-ins and the bundle's scope; ` +
      `if ${name} is a helper or value of your program, give it to the bundle with scope: () => ({ ${name} }))`;
  } catch {
    // a frozen error keeps its message
  }
  return error;
}
