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
import * as arith from "./arithmetic.js";
import * as coll from "./collection.js";
import * as cmp from "./comparison.js";
import * as logic from "./logic.js";
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

    /** `ops.add(this, y)`: sum of numbers or concatenation with a string. */
    add(this: Node<number>, y: MaybeNode<number>): MessageNode<number>;
    add(this: Node<string>, y: MaybeNode<unknown>): MessageNode<string>;
    /** `ops.subtract(this, y)`. */
    subtract(this: Node<number>, y: MaybeNode<number>): MessageNode<number>;
    /** `ops.multiply(this, y)`. */
    multiply(this: Node<number>, y: MaybeNode<number>): MessageNode<number>;
    /** `ops.divide(this, y)`. */
    divide(this: Node<number>, y: MaybeNode<number>): MessageNode<number>;
    /** `ops.mod(this, y)`. */
    mod(this: Node<number>, y: MaybeNode<number>): MessageNode<number>;
    /** `ops.neg(this)`. */
    neg(this: Node<number>): MessageNode<number>;
    /** `ops.eq(this, y)`: strict equality. */
    eq(y: MaybeNode<unknown>): MessageNode<boolean>;
    /** `ops.neq(this, y)`: strict inequality. */
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
    /** `ops.call(this, ...args)`: calls the function this node holds. */
    call<A extends unknown[], R>(
      this: Node<(...args: A) => R>,
      ...args: { [I in keyof A]: MaybeNode<A[I]> }
    ): MessageNode<R>;
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
  neg(this: Node<number>): MessageNode<number> {
    return arith.neg(this);
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
  call<A extends unknown[], R>(
    this: Node<(...args: A) => R>,
    ...args: { [I in keyof A]: MaybeNode<A[I]> }
  ): MessageNode<R> {
    return misc.call(this, ...args);
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
