import type { ProblemView } from "@trace-ts/core";
import { ancestorsInTopologicalOrder } from "@trace-ts/core/graph";
import type { ShownExemplar } from "./prompt.js";

/**
 * This step's outputs that received feedback as examples (`exemplarsFromFeedback`): for
 * `output N` (named by position, as in the history), the fixed inputs it was computed from — one
 * value, or a list of values when there are several — and the output it got with the current
 * values. Keys of the graph are not shown.
 *
 * @param view the problem view of this step
 */
export function feedbackExemplars(view: ProblemView): ShownExemplar[] {
  const inputs = new Map(view.inputs.map((e) => [e.key, e.value]));
  const inView = new Set(view.nodes);
  return view.feedback.map((f, i) => {
    const keys = new Set<string>();
    for (const node of ancestorsInTopologicalOrder([f.output])) {
      if (node === f.output || !inView.has(node)) continue;
      const key = view.keyOf(node);
      if (inputs.has(key)) keys.add(key);
    }
    const values = [...keys].map((k) => inputs.get(k));
    return {
      title: `Output ${i + 1} of the current values`,
      input: values.length === 1 ? values[0] : values,
      outputLabel: "Output produced",
      output: view.outputs.find((o) => o.node === f.output)?.value ?? f.output.peek(),
    };
  });
}
