import type { MaybeNode, MessageNode } from "../graph/node.js";
import { recordOp } from "./record.js";
import { textOf } from "./string.js";

const FMT = {
  name: "fmt",
  description:
    "Returns template with each {argN} placeholder replaced by the text of input argN (a template literal).",
} as const;

/**
 * Tagged template that builds a string node from nodes and values, recording each interpolated
 * value as an input (`arg0`, `arg1`, …) and the literal parts as the `template` input.
 *
 * @example const greeting = fmt`Hello, ${name}! You are ${age}.`;
 */
export function fmt(strings: TemplateStringsArray, ...args: MaybeNode<unknown>[]): MessageNode<string> {
  let template = strings[0] ?? "";
  const inputs: Record<string, MaybeNode<unknown>> = {};
  for (let i = 0; i < args.length; i++) {
    inputs[`arg${i}`] = args[i];
    template += `{arg${i}}${strings[i + 1] ?? ""}`;
  }
  const parts = [...strings];
  return recordOp(FMT, { template, ...inputs }, (v) => {
    const values = v as Record<string, unknown>;
    let out = parts[0] ?? "";
    for (let i = 0; i < args.length; i++) out += textOf(values[`arg${i}`]) + (parts[i + 1] ?? "");
    return out;
  });
}
