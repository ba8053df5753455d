/**
 * The fluent methods of `Node`: `x.add(y)` for `ops.add(x, y)`, `x.getItem(key)`, … and
 * `x.backward(feedback)`. They are declared into `Node`'s type by module augmentation and
 * installed on `Node.prototype` when this module is evaluated; the package entry (`index.ts`)
 * imports it once for that side effect. They live here rather than in `graph/node.ts` because the
 * operations and `backward` import `Node`: defining them on the class made `graph/node.ts`,
 * `backward/` and `ops/` one import cycle.
 */
import { type BackwardOptions, backward } from "../backward/backward.js";
import type { Feedback, FeedbackRecord } from "../graph/feedback-types.js";
import { type MaybeNode, type MessageNode, Node } from "../graph/node.js";
import { type ToData, unwrapNodes } from "../graph/unwrap.js";
import * as arith from "./arithmetic.js";
import * as bits from "./bitwise.js";
import * as coll from "./collection.js";
import * as cmp from "./comparison.js";
import * as construct from "./construct.js";
import * as edit from "./edit.js";
import type { ItemsOf } from "./items.js";
import * as iterate from "./items.js";
import * as logic from "./logic.js";
import * as member from "./membership.js";
import type { MethodName } from "./misc.js";
import * as misc from "./misc.js";
import * as str from "./string.js";

declare module "../graph/node.js" {
  interface Node<T> {
    /**
     * Sends feedback backward from this node; same as `backward(this, feedback, options)`.
     * @returns the record of this backward call
     */
    backward(feedback: Feedback, options?: BackwardOptions): FeedbackRecord;

    // ---- fluent operations (each records the same node as the `ops` function of that name) ----

    /** `ops.add(this, y)` on a number node: the sum of two numbers. */
    add(this: Node<number>, y: MaybeNode<number>): MessageNode<number>;
    /** `ops.add(this, y)` on a string node: `y` appended as text (JavaScript `+`). */
    add(this: Node<string>, y: MaybeNode<unknown>): MessageNode<string>;
    /** `ops.subtract(this, y)`. */
    subtract(this: Node<number>, y: MaybeNode<number>): MessageNode<number>;
    /** `ops.multiply(this, y)`. */
    multiply(this: Node<number>, y: MaybeNode<number>): MessageNode<number>;
    /** `ops.divide(this, y)`. */
    divide(this: Node<number>, y: MaybeNode<number>): MessageNode<number>;
    /** `ops.mod(this, y)`. */
    mod(this: Node<number>, y: MaybeNode<number>): MessageNode<number>;
    /** `ops.floorDivide(this, y)`: Python's `//`. */
    floorDivide(this: Node<number>, y: MaybeNode<number>): MessageNode<number>;
    /** `ops.floorMod(this, y)`: Python's `%` (sign of `y`). */
    floorMod(this: Node<number>, y: MaybeNode<number>): MessageNode<number>;
    /** `ops.divmod(this, y)`: `[floorDivide, floorMod]`. */
    divmod(this: Node<number>, y: MaybeNode<number>): MessageNode<[number, number]>;
    /** `ops.power(this, y)`. */
    power(this: Node<number>, y: MaybeNode<number>): MessageNode<number>;
    /** `ops.neg(this)`. */
    neg(this: Node<number>): MessageNode<number>;
    /** `ops.pos(this)`: unary plus. */
    pos(): MessageNode<number>;
    /** `ops.abs(this)`. */
    abs(this: Node<number>): MessageNode<number>;
    /** `ops.trunc(this)`: rounded toward zero. */
    trunc(this: Node<number>): MessageNode<number>;
    /** `ops.lshift(this, y)` on a number node: `<<` of 32-bit integers. */
    lshift(this: Node<number>, y: MaybeNode<number>): MessageNode<number>;
    /** `ops.lshift(this, y)` on a bigint node: `<<` of two bigints, exact. */
    lshift(this: Node<bigint>, y: MaybeNode<bigint>): MessageNode<bigint>;
    /** `ops.rshift(this, y)` on a number node: sign-propagating `>>` of 32-bit integers. */
    rshift(this: Node<number>, y: MaybeNode<number>): MessageNode<number>;
    /** `ops.rshift(this, y)` on a bigint node: sign-propagating `>>` of two bigints, exact. */
    rshift(this: Node<bigint>, y: MaybeNode<bigint>): MessageNode<bigint>;
    /** `ops.urshift(this, y)`: zero-filling `>>>` (numbers only). */
    urshift(this: Node<number>, y: MaybeNode<number>): MessageNode<number>;
    /** `ops.bitAnd(this, y)` on a number node: `&` of 32-bit integers. */
    bitAnd(this: Node<number>, y: MaybeNode<number>): MessageNode<number>;
    /** `ops.bitAnd(this, y)` on a bigint node: `&` of two bigints, exact. */
    bitAnd(this: Node<bigint>, y: MaybeNode<bigint>): MessageNode<bigint>;
    /** `ops.bitOr(this, y)` on a number node: `|` of 32-bit integers. */
    bitOr(this: Node<number>, y: MaybeNode<number>): MessageNode<number>;
    /** `ops.bitOr(this, y)` on a bigint node: `|` of two bigints, exact. */
    bitOr(this: Node<bigint>, y: MaybeNode<bigint>): MessageNode<bigint>;
    /** `ops.bitXor(this, y)` on a number node: `^` of 32-bit integers. */
    bitXor(this: Node<number>, y: MaybeNode<number>): MessageNode<number>;
    /** `ops.bitXor(this, y)` on a bigint node: `^` of two bigints, exact. */
    bitXor(this: Node<bigint>, y: MaybeNode<bigint>): MessageNode<bigint>;
    /** `ops.bitNot(this)` on a number node: `~` of a 32-bit integer (`-x - 1`). */
    bitNot(this: Node<number>): MessageNode<number>;
    /** `ops.bitNot(this)` on a bigint node: `~` of a bigint (`-x - 1`), exact. */
    bitNot(this: Node<bigint>): MessageNode<bigint>;
    /** `ops.eq(this, y)`: Python's `==`, comparing arrays, plain objects, Maps, Sets and Dates by content. */
    eq(y: MaybeNode<unknown>): MessageNode<boolean>;
    /** `ops.neq(this, y)`: Python's `!=`, the negation of `eq` (by content). */
    neq(y: MaybeNode<unknown>): MessageNode<boolean>;
    /** `ops.lt(this, y)`. */
    lt(this: Node<number | string>, y: MaybeNode<number | string>): MessageNode<boolean>;
    /** `ops.le(this, y)`. */
    le(this: Node<number | string>, y: MaybeNode<number | string>): MessageNode<boolean>;
    /** `ops.gt(this, y)`. */
    gt(this: Node<number | string>, y: MaybeNode<number | string>): MessageNode<boolean>;
    /** `ops.ge(this, y)`. */
    ge(this: Node<number | string>, y: MaybeNode<number | string>): MessageNode<boolean>;
    /** `ops.not(this)`. */
    not(): MessageNode<boolean>;
    /** `ops.getItem(this, key)`: element of an array, property of an object, or entry of a Map. */
    getItem<K extends keyof T>(key: MaybeNode<K>): MessageNode<T[K]>;
    /** `ops.getAttr(this, name)`: a property of an object. */
    getAttr<K extends keyof T & string>(name: MaybeNode<K>): MessageNode<T[K]>;
    /** `ops.len(this)`: length of a string or array, size of a Map or Set, key count of an object. */
    len(): MessageNode<number>;
    /** `ops.contains(this, item)`: Python's `item in this`. */
    contains(item: MaybeNode<unknown>): MessageNode<boolean>;
    /**
     * `ops.pop(this, key?)` on an array node: the element at index `key` (negative counts from the
     * end; the last one by default) that `pop` would remove. This node's value is unchanged.
     */
    pop<E>(this: Node<readonly E[]>, key?: MaybeNode<number | null>): MessageNode<E>;
    /** `ops.pop(this, key)` on a Map node: the value under `key` (this node's value is unchanged). */
    pop<K, V>(this: Node<ReadonlyMap<K, V>>, key: MaybeNode<K>): MessageNode<V>;
    /** `ops.pop(this, key)` on an object node: the property `key` (this node's value is unchanged). */
    pop<K extends keyof T>(key: MaybeNode<K>): MessageNode<T[K]>;
    /** `ops.extend(this, items)`: a copy with the items appended. */
    extend<E, U>(this: Node<readonly E[]>, items: MaybeNode<Iterable<U>>): MessageNode<(E | U)[]>;
    /** `ops.insert(this, index, item)`: a copy with `item` inserted before `index`. */
    insert<E>(this: Node<readonly E[]>, index: MaybeNode<number>, item: MaybeNode<E>): MessageNode<E[]>;
    /** `ops.remove(this, item)`: a copy without the first element equal to `item`. */
    remove<E>(this: Node<readonly E[]>, item: MaybeNode<E>): MessageNode<E[]>;
    /**
     * `ops.update(this, other)` on a Map node: a copy of the Map with the entries of `other` (a Map,
     * `[key, value]` pairs or an object) added.
     */
    update<K, V>(
      this: Node<ReadonlyMap<K, V>>,
      other: MaybeNode<ReadonlyMap<K, V> | readonly (readonly [K, V])[] | Readonly<Record<string, V>>>,
    ): MessageNode<Map<K, V>>;
    /** `ops.update(this, other)` on an object node: a copy of the object with `other`'s properties added. */
    update<U extends object>(this: Node<T & object>, other: MaybeNode<U>): MessageNode<T & U>;
    /** `ops.toList(this)` on a string node: Python's `list(s)`, the characters (by code point). */
    toList(this: Node<string>): MessageNode<string[]>;
    /** `ops.toList(this)` on a Map node: the `[key, value]` entries, in order. */
    toList<K, V>(this: Node<ReadonlyMap<K, V>>): MessageNode<[K, V][]>;
    /** `ops.toList(this)` on an array, Set or other iterable: its items, in order. */
    toList<E>(this: Node<Iterable<E>>): MessageNode<E[]>;
    /** `ops.concat(this, y)`: string concatenation. */
    concat(this: Node<string>, y: MaybeNode<unknown>): MessageNode<string>;
    /** `ops.split(this, separator)`. */
    split(this: Node<string>, separator: MaybeNode<string>): MessageNode<string[]>;
    /** `ops.join(this, separator)`. */
    join(this: Node<readonly unknown[]>, separator: MaybeNode<string>): MessageNode<string>;
    /** `ops.replace(this, pattern, replacement)`: replaces every occurrence. */
    replace(
      this: Node<string>,
      pattern: MaybeNode<string>,
      replacement: MaybeNode<string>,
    ): MessageNode<string>;
    /** `ops.trim(this)`. */
    trim(this: Node<string>): MessageNode<string>;
    /** `ops.lower(this)`. */
    lower(this: Node<string>): MessageNode<string>;
    /** `ops.upper(this)`. */
    upper(this: Node<string>): MessageNode<string>;
    /** `ops.strip(this, chars?)`: without leading and trailing `chars` (whitespace by default). */
    strip(this: Node<string>, chars?: MaybeNode<string | null>): MessageNode<string>;
    /** `ops.lstrip(this, chars?)`. */
    lstrip(this: Node<string>, chars?: MaybeNode<string | null>): MessageNode<string>;
    /** `ops.rstrip(this, chars?)`. */
    rstrip(this: Node<string>, chars?: MaybeNode<string | null>): MessageNode<string>;
    /** `ops.title(this)`: Python's `str.title()`. */
    title(this: Node<string>): MessageNode<string>;
    /** `ops.capitalize(this)`: Python's `str.capitalize()`. */
    capitalize(this: Node<string>): MessageNode<string>;
    /** `ops.swapCase(this)`: Python's `str.swapcase()`. */
    swapCase(this: Node<string>): MessageNode<string>;
    /** `ops.charCode(this)`: Python's `ord`. */
    charCode(this: Node<string>): MessageNode<number>;
    /** Calls the function this node holds with `args`: `ops.call(this, ...args)`. */
    call<A extends unknown[], R>(
      this: Node<(...args: A) => R>,
      ...args: { [I in keyof A]: MaybeNode<A[I]> }
    ): MessageNode<R>;
    /**
     * Calls the method `name` of the object this node holds: `ops.callMethod(this, name, ...args)`
     * (Python Trace's `node.call("method", …)`); the object is then a direct input.
     */
    call<S, K extends MethodName<S>>(
      this: Node<S>,
      name: K,
      ...args: S[K] extends (...a: infer A) => unknown ? { [I in keyof A]: MaybeNode<A[I]> } : never
    ): MessageNode<S[K] extends (...a: never[]) => infer R ? R : never>;
    /**
     * `ops.items(this)`: iterates the value as traced item nodes (`for (const x of list.items())`);
     * Maps and objects give `[keyNode, valueNode]` pairs. `Node` itself is not iterable.
     */
    items<S>(this: Node<S>): IterableIterator<ItemsOf<S>>;
    /**
     * A new root node with this node's value, cut off from the graph (no parents, not trainable).
     * Nodes inside the value are replaced by their values (the containers holding them are
     * copied); otherwise the value is shared, not copied — `ops.clone(x)` makes a traced deep copy.
     */
    detach<S>(this: Node<S>): Node<ToData<S>>;
    /** `ops.clone(this)`: a deep copy as a new node. */
    clone(): MessageNode<T>;
  }
}

/** The implementations, one per declaration above (same names, same arguments). */
const methods = {
  backward(this: Node, feedback: Feedback, options?: BackwardOptions): FeedbackRecord {
    return backward(this, feedback, options);
  },
  add(this: Node, y: MaybeNode<unknown>): MessageNode<unknown> {
    return arith.add(this as Node<number>, y as number);
  },
  subtract(this: Node<number>, y: MaybeNode<number>): MessageNode<number> {
    return arith.subtract(this, y);
  },
  multiply(this: Node<number>, y: MaybeNode<number>): MessageNode<number> {
    return arith.multiply(this, y);
  },
  divide(this: Node<number>, y: MaybeNode<number>): MessageNode<number> {
    return arith.divide(this, y);
  },
  mod(this: Node<number>, y: MaybeNode<number>): MessageNode<number> {
    return arith.mod(this, y);
  },
  floorDivide(this: Node<number>, y: MaybeNode<number>): MessageNode<number> {
    return arith.floorDivide(this, y);
  },
  floorMod(this: Node<number>, y: MaybeNode<number>): MessageNode<number> {
    return arith.floorMod(this, y);
  },
  divmod(this: Node<number>, y: MaybeNode<number>): MessageNode<[number, number]> {
    return arith.divmod(this, y);
  },
  power(this: Node<number>, y: MaybeNode<number>): MessageNode<number> {
    return arith.power(this, y);
  },
  neg(this: Node<number>): MessageNode<number> {
    return arith.neg(this);
  },
  pos(this: Node): MessageNode<number> {
    return arith.pos(this);
  },
  abs(this: Node<number>): MessageNode<number> {
    return arith.abs(this);
  },
  trunc(this: Node<number>): MessageNode<number> {
    return arith.trunc(this);
  },
  lshift(this: Node<number>, y: MaybeNode<number>): MessageNode<number> {
    return bits.lshift(this, y);
  },
  rshift(this: Node<number>, y: MaybeNode<number>): MessageNode<number> {
    return bits.rshift(this, y);
  },
  urshift(this: Node<number>, y: MaybeNode<number>): MessageNode<number> {
    return bits.urshift(this, y);
  },
  bitAnd(this: Node<number>, y: MaybeNode<number>): MessageNode<number> {
    return bits.bitAnd(this, y);
  },
  bitOr(this: Node<number>, y: MaybeNode<number>): MessageNode<number> {
    return bits.bitOr(this, y);
  },
  bitXor(this: Node<number>, y: MaybeNode<number>): MessageNode<number> {
    return bits.bitXor(this, y);
  },
  bitNot(this: Node<number>): MessageNode<number> {
    return bits.bitNot(this);
  },
  eq(this: Node, y: MaybeNode<unknown>): MessageNode<boolean> {
    return cmp.eq(this, y);
  },
  neq(this: Node, y: MaybeNode<unknown>): MessageNode<boolean> {
    return cmp.neq(this, y);
  },
  lt(this: Node<number | string>, y: MaybeNode<number | string>): MessageNode<boolean> {
    return cmp.lt(this, y);
  },
  le(this: Node<number | string>, y: MaybeNode<number | string>): MessageNode<boolean> {
    return cmp.le(this, y);
  },
  gt(this: Node<number | string>, y: MaybeNode<number | string>): MessageNode<boolean> {
    return cmp.gt(this, y);
  },
  ge(this: Node<number | string>, y: MaybeNode<number | string>): MessageNode<boolean> {
    return cmp.ge(this, y);
  },
  not(this: Node): MessageNode<boolean> {
    return logic.not(this);
  },
  getItem<T, K extends keyof T>(this: Node<T>, key: MaybeNode<K>): MessageNode<T[K]> {
    return coll.getItem(this, key);
  },
  getAttr<T, K extends keyof T & string>(this: Node<T>, name: MaybeNode<K>): MessageNode<T[K]> {
    return misc.getAttr(this, name);
  },
  len(this: Node): MessageNode<number> {
    return coll.len(this);
  },
  contains(this: Node, item: MaybeNode<unknown>): MessageNode<boolean> {
    return member.contains(this, item);
  },
  pop(this: Node<readonly unknown[]>, key?: MaybeNode<number | null>): MessageNode<unknown> {
    return edit.pop(this, key);
  },
  extend(this: Node<readonly unknown[]>, items: MaybeNode<Iterable<unknown>>): MessageNode<unknown[]> {
    return edit.extend(this, items);
  },
  insert(
    this: Node<readonly unknown[]>,
    index: MaybeNode<number>,
    item: MaybeNode<unknown>,
  ): MessageNode<unknown[]> {
    return edit.insert(this, index, item);
  },
  remove(this: Node<readonly unknown[]>, item: MaybeNode<unknown>): MessageNode<unknown[]> {
    return edit.remove(this, item);
  },
  update(this: Node<object>, other: MaybeNode<object>): MessageNode<object> {
    return edit.update(this, other);
  },
  toList(this: Node): MessageNode<unknown[]> {
    return construct.toList(this);
  },
  concat(this: Node<string>, y: MaybeNode<unknown>): MessageNode<string> {
    return str.concat(this, y);
  },
  split(this: Node<string>, separator: MaybeNode<string>): MessageNode<string[]> {
    return str.split(this, separator);
  },
  join(this: Node<readonly unknown[]>, separator: MaybeNode<string>): MessageNode<string> {
    return str.join(this, separator);
  },
  replace(
    this: Node<string>,
    pattern: MaybeNode<string>,
    replacement: MaybeNode<string>,
  ): MessageNode<string> {
    return str.replace(this, pattern, replacement);
  },
  trim(this: Node<string>): MessageNode<string> {
    return str.trim(this);
  },
  lower(this: Node<string>): MessageNode<string> {
    return str.lower(this);
  },
  upper(this: Node<string>): MessageNode<string> {
    return str.upper(this);
  },
  strip(this: Node<string>, chars?: MaybeNode<string | null>): MessageNode<string> {
    return str.strip(this, chars);
  },
  lstrip(this: Node<string>, chars?: MaybeNode<string | null>): MessageNode<string> {
    return str.lstrip(this, chars);
  },
  rstrip(this: Node<string>, chars?: MaybeNode<string | null>): MessageNode<string> {
    return str.rstrip(this, chars);
  },
  title(this: Node<string>): MessageNode<string> {
    return str.title(this);
  },
  capitalize(this: Node<string>): MessageNode<string> {
    return str.capitalize(this);
  },
  swapCase(this: Node<string>): MessageNode<string> {
    return str.swapCase(this);
  },
  charCode(this: Node<string>): MessageNode<number> {
    return str.charCode(this);
  },
  call(this: Node, ...args: unknown[]): MessageNode<unknown> {
    if (typeof this._data === "function")
      return misc.call(this as Node<(...a: unknown[]) => unknown>, ...args);
    const [name, ...rest] = args;
    return (misc.callMethod as (obj: unknown, name: unknown, ...a: unknown[]) => MessageNode<unknown>)(
      this,
      name,
      ...rest,
    );
  },
  items<T>(this: Node<T>): IterableIterator<ItemsOf<T>> {
    return iterate.items(this);
  },
  detach<T>(this: Node<T>): Node<ToData<T>> {
    const base = this.name.slice(0, this.name.lastIndexOf(":"));
    return new Node(unwrapNodes(this._data) as ToData<T>, { name: base, description: this.description });
  },
  clone<T>(this: Node<T>): MessageNode<T> {
    return misc.clone(this);
  },
};

// as class methods would be: not enumerable, replaceable
for (const [name, value] of Object.entries(methods)) {
  Object.defineProperty(Node.prototype, name, {
    value,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}
