/**
 * A first look at trace-ts: trace a tiny program, send feedback backward, and print what an
 * optimizer would see. No language model is involved.
 *
 * Run: npm run demo:graph
 */
import { fmt, node, ops, problemView, toDot } from "@trace-ts/core";
import { formatValue } from "@trace-ts/core/optimizer";

// declare: one trainable prompt and one trainable number; everything else is a fixed input
const greeting = node("Hello", { trainable: true, name: "greeting", description: "how every reply starts" });
const excitement = node(1, { trainable: true, name: "excitement", constraint: "an integer from 0 to 3" });
const user = node("Ada", { name: "user" });

// forward: every operation records a node
const marks = ops.call((n: number) => "!".repeat(n), excitement);
const reply = fmt`${greeting}, ${user}${marks}`;
console.log(`reply: ${JSON.stringify(reply.data)}\n`);

// backward: feedback reaches every parameter the reply depends on
reply.backward("Too plain: greet warmly and show more enthusiasm.");

// the problem view is what an optimizer reads
const view = problemView([greeting, excitement]);
console.log("#Code");
for (const line of view.code) console.log(`  ${line}`);
console.log("#Variables");
for (const v of view.variables) {
  console.log(
    `  (${v.type}) ${v.key} = ${formatValue(v.value)}${v.constraint ? `   [${v.constraint}]` : ""}`,
  );
}
console.log("#Inputs");
for (const i of view.inputs) console.log(`  ${i.key} = ${formatValue(i.value)}`);
console.log("#Outputs");
for (const o of view.outputs) console.log(`  ${o.key} = ${formatValue(o.value)}`);
console.log("#Feedback");
for (const f of view.feedback) console.log(`  ${f.key}: ${String(f.feedback)}`);
console.log("\n# Graphviz (paste into `dot -Tsvg`):");
console.log(toDot(view));
