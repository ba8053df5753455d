import { runGraphBench } from "./graph.js";

/** Registered benchmark suites, by name. Add one line per suite module. */
export const suites: Record<string, () => Promise<void>> = {
  graph: runGraphBench,
  llm: async () => (await import("./llm.js")).runLlmBench(),
  trainer: async () => (await import("./trainer.js")).runTrainerBench(),
  bundle: async () => (await import("./bundle.js")).runBundleBench(),
  optoprime: async () => (await import("./optoprime.js")).runOptoPrimeBench(),
  parsers: async () => (await import("./parsers.js")).runParsersBench(),
  strip: async () => (await import("./strip.js")).runStripBench(),
  search: async () => (await import("./search.js")).runSearchBench(),
  otel: async () => (await import("./otel.js")).runOtelBench(),
  viewer: async () => (await import("./viewer.js")).runViewerBench(),
  scale: async () => (await import("./scale.js")).runScaleBench(),
};
