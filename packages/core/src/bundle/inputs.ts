import { Node } from "../graph/node.js";
import { type FoundNode, FoundNodes, holdsNodes, unwrapHeld } from "../graph/unwrap.js";
import type { BundleDefinition, Runnable } from "./definition.js";

/** A call's arguments matched to the function's parameters. */
export interface BoundCall {
  /** Input names, in parameter order. */
  readonly names: readonly string[];
  /** For each name: the node or plain value that fills it (a default value when one applied). */
  readonly given: readonly unknown[];
  /** For each name: its position in `plain`. */
  readonly positions: readonly number[];
  /** The argument list with node arguments unwrapped and defaults applied where known. */
  readonly plain: unknown[];
  /**
   * Nodes found inside arguments (arrays, plain objects, Maps, Sets holding nodes), with the
   * argument position they were found in; undefined when there were none (the common case).
   */
  readonly found?: readonly FoundArgumentNode[];
}

/** A node found inside an argument. */
export interface FoundArgumentNode extends FoundNode {
  /** Index of the argument it was found in. */
  readonly position: number;
}

/**
 * Matches arguments to parameters: each fixed parameter is an input under its name (with its
 * default value when the argument is missing and the default can be evaluated), each element of a
 * rest parameter `args` is `args_0`, `args_1`…, and surplus arguments of a function without a rest
 * parameter are `arg<i>`. Node arguments are unwrapped for the body (without counting as reads).
 */
export function bindCall(
  def: BundleDefinition,
  runnable: Runnable | undefined,
  self: unknown,
  args: readonly unknown[],
): BoundCall {
  const { fixed, hasDefault, rest } = def.layout;
  let plain: unknown[] = new Array(args.length);
  let complete = args.length === fixed.length;
  let found: FoundNodes | undefined;
  let foundAt: number[] | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    let v = a instanceof Node ? a._data : a;
    if (typeof v === "object" && v !== null && holdsNodes(v)) {
      found ??= new FoundNodes();
      foundAt ??= [];
      const before = found.list.length;
      v = unwrapHeld(v, found);
      for (let j = before; j < found.list.length; j++) foundAt.push(i);
    }
    plain[i] = v;
    if (v === undefined) complete = false;
  }
  const nested = found?.list.map((f, j) => ({ ...f, position: foundAt![j]! }));
  // the common case: every parameter given, no rest parameter: names and positions are shared
  if (complete) {
    const names = fixed;
    const positions = identity(fixed.length);
    return nested
      ? { names, given: args, positions, plain, found: nested }
      : { names, given: args, positions, plain };
  }
  let defaults: unknown[] | undefined;
  for (let i = 0; i < fixed.length; i++) {
    if (hasDefault[i] && plain[i] === undefined) {
      defaults = runnable?.bind(self, plain);
      break;
    }
  }
  if (defaults !== undefined) {
    const flat: unknown[] = defaults.slice(0, fixed.length);
    const restValues = rest !== undefined ? defaults[fixed.length] : undefined;
    if (Array.isArray(restValues)) flat.push(...(restValues as unknown[]));
    else for (let i = fixed.length; i < plain.length; i++) flat.push(plain[i]);
    plain = flat;
  }

  const names: string[] = [];
  const given: unknown[] = [];
  const positions: number[] = [];
  const used = new Set<string>();
  const add = (name: string, value: unknown, position: number): void => {
    let unique = name;
    while (used.has(unique)) unique = `${unique}_`;
    used.add(unique);
    names.push(unique);
    given.push(value);
    positions.push(position);
  };
  for (let i = 0; i < fixed.length; i++) {
    if (i < args.length && args[i] !== undefined) add(fixed[i]!, args[i], i);
    else if (defaults !== undefined && hasDefault[i] && plain[i] !== undefined) add(fixed[i]!, plain[i], i);
  }
  for (let i = fixed.length; i < args.length; i++) {
    add(rest !== undefined ? `${rest}_${i - fixed.length}` : `arg${i}`, args[i], i);
  }
  return nested ? { names, given, positions, plain, found: nested } : { names, given, positions, plain };
}

const identities: number[][] = [];

/** `[0, 1, …, n - 1]`, shared per length. */
function identity(n: number): readonly number[] {
  let list = identities[n];
  if (list === undefined) {
    list = Array.from({ length: n }, (_, i) => i);
    if (n < 64) identities[n] = list;
  }
  return list;
}
