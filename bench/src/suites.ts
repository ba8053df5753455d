import { runGraphBench } from "./graph.js";

/** Registered benchmark suites, by name. Add one line per suite module. */
export const suites: Record<string, () => Promise<void>> = {
  graph: runGraphBench,
};
