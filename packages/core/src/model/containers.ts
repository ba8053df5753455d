import type { ParameterNode } from "../graph/node.js";
import { ParameterContainerError } from "./errors.js";
import { namedParametersIn } from "./walk.js";

/**
 * A list of trainable things — trainable nodes, trainable bundled functions, models, or containers
 * of these — that can list the parameters it holds. It is an `Array` (so `Array.isArray` is true
 * and a model's `parameters()` finds what a `ParameterList` field holds, once).
 *
 * Construction: `new ParameterList(items)` takes an iterable of items (never a length), as do
 * `ParameterList.from(items)` and `ParameterList.of(...items)`; `new ParameterList()` is empty.
 *
 * Derived arrays are plain: `map`, `filter`, `slice`, `concat`, `flat` and `flatMap` return an
 * `Array`, not a `ParameterList` (`Symbol.species` is `Array`), since what they compute (values,
 * scores, a subset) is usually not a set of parameters; wrap the result with
 * `ParameterList.from(...)` to get a list again.
 *
 * @example
 * const prompts = ParameterList.of(node("a", { trainable: true }), node("b", { trainable: true }));
 * prompts.parameters(); // [the two nodes]
 */
export class ParameterList<T = unknown> extends Array<T> {
  /** `map`, `filter` and the other copying methods return a plain `Array`. */
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  /**
   * @param items the items, in order (an iterable; a number is rejected, since `Array(3)` would
   *   make three holes)
   * @throws ParameterContainerError when `items` is not iterable
   */
  constructor(items: Iterable<T> = []) {
    super();
    if (items === null || typeof (items as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== "function")
      throw new ParameterContainerError(
        "ParameterList",
        `new ParameterList(items) takes an iterable of items, not ${items === null ? "null" : typeof items}; use new ParameterList() for an empty list`,
      );
    for (const item of items) this.push(item);
  }

  /** A list holding the items of an iterable (or array-like), in order. */
  static override from<U>(items: Iterable<U> | ArrayLike<U>): ParameterList<U>;
  /** A list holding `mapFn` of each item of an iterable (or array-like). */
  static override from<U, V>(
    items: Iterable<U> | ArrayLike<U>,
    mapFn: (item: U, index: number) => V,
  ): ParameterList<V>;
  static override from<U, V>(
    items: Iterable<U> | ArrayLike<U>,
    mapFn?: (item: U, index: number) => V,
  ): ParameterList<U> | ParameterList<V> {
    const values: U[] = Array.from(items);
    return mapFn === undefined ? new ParameterList(values) : new ParameterList(values.map(mapFn));
  }

  /** A list holding the given items (`ParameterList.of(3)` holds the number 3). */
  static override of<U>(...items: U[]): ParameterList<U> {
    return new ParameterList(items);
  }

  /**
   * The trainable parameters the list holds, each once, in order: trainable nodes, the code of
   * trainable bundled functions, and the parameters of models and nested containers.
   */
  parameters(): ParameterNode[] {
    return namedParametersIn(this).map((p) => p.parameter);
  }

  /** The same parameters by path in the list: `0`, `1.prompt`, `2.#key0`. */
  namedParameters(): Map<string, ParameterNode> {
    return new Map(namedParametersIn(this).map((p) => [p.name, p.parameter]));
  }
}

/**
 * A Map of trainable things (values and keys: trainable nodes, trainable bundled functions,
 * models, or containers of these) that can list the parameters it holds. It is a `Map`, so a
 * model's `parameters()` finds what a `ParameterMap` field holds (keys included), once.
 *
 * @example
 * const experts = new ParameterMap([["math", new MathExpert()], ["code", new CodeExpert()]]);
 * experts.namedParameters(); // Map { "math.prompt" => …, "code.prompt" => … }
 *
 * Built like a Map: `new ParameterMap(entries)` with an iterable of `[key, value]` pairs.
 */
export class ParameterMap<K = unknown, V = unknown> extends Map<K, V> {
  /**
   * The trainable parameters the map holds, each once, in entry order (for each entry, its key
   * when it is an object or function, then its value).
   */
  parameters(): ParameterNode[] {
    return namedParametersIn(this).map((p) => p.parameter);
  }

  /**
   * The same parameters by path in the map: a string or number key names its value (`math`,
   * `math.prompt`); otherwise the entry's position does (`#0` for the value, `#key0` for the key).
   */
  namedParameters(): Map<string, ParameterNode> {
    return new Map(namedParametersIn(this).map((p) => [p.name, p.parameter]));
  }
}
