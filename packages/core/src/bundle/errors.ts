import { TraceError } from "../errors/trace-error.js";

/**
 * A bundled function's body read the data of a node it did not receive as an argument. The
 * optimizer would not see that dependency, so it is an error unless the bundle allows it.
 */
export class UndeclaredDependencyError extends TraceError {
  /** The bundled function. */
  readonly functionName: string;
  /** Names of the nodes that were read without being passed in. */
  readonly nodeNames: readonly string[];

  /**
   * @param functionName the bundled function
   * @param nodeNames names of the nodes read without being inputs
   */
  constructor(functionName: string, nodeNames: readonly string[]) {
    super(
      "UNDECLARED_DEPENDENCY",
      `${functionName} read ${nodeNames.join(", ")} without receiving ${nodeNames.length === 1 ? "it" : "them"} as an argument. Pass ${
        nodeNames.length === 1 ? "that node" : "those nodes"
      } in as arguments, or set allowExternalDependencies: true to record ${nodeNames.length === 1 ? "it" : "them"} as extra inputs.`,
    );
    this.functionName = functionName;
    this.nodeNames = nodeNames;
  }
}

/** `traced(obj)` was asked for a member that is not a `@bundle` method. */
export class NotBundledError extends TraceError {
  /**
   * @param className the object's class
   * @param member the member that was accessed
   */
  constructor(className: string, member: string) {
    super(
      "NOT_BUNDLED",
      `${className}.${member} is not a @bundle method; traced() exposes only bundled methods. Decorate it with @bundle() or call it directly.`,
    );
  }
}

/** A code operation (`setSource`, `rollback`) was used on a bundle that is not trainable. */
export class NotTrainableError extends TraceError {
  /**
   * @param functionName the bundled function
   * @param operation what was attempted
   */
  constructor(functionName: string, operation: string) {
    super(
      "NOT_TRAINABLE",
      `${operation} needs a trainable bundle, but ${functionName} is not trainable; pass { trainable: true } to bundle.`,
    );
  }
}

/** A trainable bundle was made from a function whose source JavaScript cannot show (native or bound). */
export class SourceUnavailableError extends TraceError {
  /** @param functionName the function */
  constructor(functionName: string) {
    super(
      "SOURCE_UNAVAILABLE",
      `the source of ${functionName} is not available (a native or bound function), so it cannot be trainable; bundle the original function instead.`,
    );
  }
}

/** `@bundle` or `@model` was applied to something it cannot decorate. */
export class DecoratorUsageError extends TraceError {
  /**
   * @param decorator `@bundle` or `@model`
   * @param problem what was decorated and what to do instead
   */
  constructor(decorator: string, problem: string) {
    super("DECORATOR_USAGE", `${decorator}: ${problem}`);
  }
}

/**
 * Whether decorator arguments have the shape of a legacy (`experimentalDecorators`) decorator call:
 * `(target, propertyKey, descriptor?)` for a method, accessor, property or parameter (the key is a
 * string or a symbol), or `(constructor)` alone for a class. Standard (TC39) decorators always get
 * a context object as their second argument.
 *
 * @param args the arguments the decorator function received
 */
export function isLegacyDecoratorCall(args: readonly unknown[]): boolean {
  const [target, key] = args;
  const targetIsObject = (typeof target === "object" && target !== null) || typeof target === "function";
  if (!targetIsObject) return false;
  if (typeof key === "string" || typeof key === "symbol") return true;
  return args.length === 1 && typeof target === "function";
}

/**
 * The `DecoratorUsageError` for a decorator that TypeScript called the legacy way, because the
 * file was compiled with `experimentalDecorators: true`.
 *
 * @param decorator `@bundle` or `@model`
 * @param args the arguments it received, to name what it was put on
 */
export function legacyDecoratorError(decorator: string, args: readonly unknown[]): DecoratorUsageError {
  const [target, key] = args;
  let where = "a class";
  if (typeof key === "string" || typeof key === "symbol") {
    const owner =
      typeof target === "function"
        ? (target as { name?: string }).name
        : (target as { constructor?: { name?: string } } | null)?.constructor?.name;
    where = `${owner ? `${owner}.` : ""}${String(key)}`;
  } else if (typeof target === "function" && (target as { name?: string }).name) {
    where = `class ${(target as { name: string }).name}`;
  }
  return new DecoratorUsageError(
    decorator,
    `it was called the legacy way (on ${where}), which means this file is compiled with experimentalDecorators. ` +
      "trace-ts uses standard (TC39) decorators: remove experimentalDecorators (and emitDecoratorMetadata) from the tsconfig of the files that use @bundle/@model. " +
      "To keep legacy decorators elsewhere (NestJS, TypeORM, tsyringe's @inject), put the agent classes in files compiled by a separate tsconfig without experimentalDecorators (project references), " +
      "or use the function form, which needs no decorator: name = bundle(function name(...) { ... }, options) and a class that extends Model. " +
      'See "Using trace-ts next to experimentalDecorators" in docs/bundle.md.',
  );
}
