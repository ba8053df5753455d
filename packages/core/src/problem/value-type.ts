import { type Node, ParameterNode } from "../graph/node.js";

/** Coarse type of a value as optimizers present it. `code` marks function source parameters. */
export type ValueType =
  | "code"
  | "string"
  | "number"
  | "boolean"
  | "array"
  | "object"
  | "null"
  | "undefined"
  | "function"
  | "other";

/** The `ValueType` of a node's current value. */
export function valueTypeOf(node: Node): ValueType {
  if (node instanceof ParameterNode && node.info.code === true) return "code";
  const v = node._data;
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  switch (typeof v) {
    case "string":
      return "string";
    case "number":
    case "bigint":
      return "number";
    case "boolean":
      return "boolean";
    case "undefined":
      return "undefined";
    case "function":
      return "function";
    case "object":
      return "object";
    default:
      return "other";
  }
}
