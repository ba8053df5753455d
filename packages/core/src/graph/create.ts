import { InvalidOptionError } from "../errors/graph-errors.js";
import { validateOptions } from "../util/options.js";
import { Node, type NodeInit, ParameterNode } from "./node.js";

/** Options of `node()`. */
export interface NodeOptions {
  /** Make it a `ParameterNode` an optimizer may change (default false). */
  readonly trainable?: boolean;
  /** Base of the name (`prompt` → `prompt:0`, key `prompt0`); default from the value's type. */
  readonly name?: string;
  /** What the value is, shown to optimizers. */
  readonly description?: string;
  /** A rule the value must keep, shown to optimizers (trainable nodes only). */
  readonly constraint?: string;
}

/**
 * Wraps a value in a node. A node passed in is returned as it is, unless `trainable: true` is
 * asked for and it is not already a trainable parameter: then a new `ParameterNode` holding its
 * value is made.
 *
 * @example
 * const prompt = node("Answer briefly.", { trainable: true, description: "system prompt" });
 * const x = node(3); // constant input, name int:N
 */
export function node<T>(value: Node<T>, options: NodeOptions & { trainable: true }): ParameterNode<T>;
export function node<T>(value: T, options: NodeOptions & { trainable: true }): ParameterNode<T>;
export function node<T>(value: Node<T>, options?: NodeOptions): Node<T>;
export function node<T>(value: T, options?: NodeOptions): Node<T>;
export function node<T>(value: T | Node<T>, options: NodeOptions = {}): Node<T> {
  validateOptions("node()", options, {
    trainable: "boolean",
    name: "string",
    description: "string",
    constraint: "string",
  });
  const init: NodeInit = { name: options.name, description: options.description };
  if (options.trainable) {
    if (value instanceof ParameterNode && value.trainable) return value as ParameterNode<T>;
    const data = value instanceof Node ? (value._data as T) : value;
    return new ParameterNode<T>(data, {
      ...init,
      name: options.name ?? (value instanceof Node ? value.name.split(":")[0] : undefined),
      trainable: true,
      constraint: options.constraint,
    });
  }
  if (value instanceof Node) return value;
  if (options.constraint !== undefined) {
    throw new InvalidOptionError(
      "node()",
      "constraint",
      "only applies to trainable nodes; add trainable: true",
    );
  }
  return new Node<T>(value, init);
}
