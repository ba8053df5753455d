import { type Node, node, ops, ParameterNode } from "@trace-ts/core";
import { signatureOfSource } from "./signature.js";

/**
 * A trainable code parameter like the ones `bundle` makes: `info.code`, and a validator that
 * compiles the source (as a method, wrapped in an object literal) and checks the signature.
 */
export function codeParameter(source: string, options: { constraint?: string } = {}): ParameterNode<string> {
  const signature = signatureOfSource(source);
  return new ParameterNode<string>(source, {
    name: "__code",
    info: { code: true },
    ...(options.constraint !== undefined ? { constraint: options.constraint } : {}),
    validate: (candidate) => {
      if (typeof candidate !== "string") return "code must be text";
      new Function(`"use strict"; return ({\n${candidate}\n});`);
      const got = signatureOfSource(candidate);
      if (got !== signature) return `the signature changed: expected ${signature}, got ${got}`;
      return undefined;
    },
  });
}

/** Calls the method a code parameter holds. */
export function runCode(code: ParameterNode<string>, ...args: unknown[]): unknown {
  const holder = new Function(`"use strict"; return ({\n${code.data}\n});`)() as Record<
    string,
    (...a: unknown[]) => unknown
  >;
  const fn = Object.values(holder)[0]!;
  return fn(...args);
}

/**
 * A graph of about `4 * n` nodes with one trainable string `p` and one output: for each i, a
 * long text input, `concat(text_i, p)`, its length, and a running sum of the lengths.
 */
export function wideGraph(n: number, textChars = 300): { p: ParameterNode<string>; out: Node<number> } {
  const p = node("Be concise.", { trainable: true, name: "prompt" });
  let sum: Node<number> = node(0, { name: "total" });
  for (let i = 0; i < n; i++) {
    const text = node(
      `document ${i}: ${"lorem ipsum ".repeat(Math.ceil(textChars / 12))}`.slice(0, textChars),
      {
        name: "doc",
      },
    );
    const joined = ops.concat(text, p);
    sum = ops.add(sum, ops.len(joined));
  }
  return { p, out: sum };
}
