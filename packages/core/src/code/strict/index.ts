/**
 * The `strict` isolation tier: suggested code runs in QuickJS (WebAssembly) with memory, stack,
 * run-time and wall-clock limits, in a locked-down context (each concurrent call has an engine of
 * its own); only JSON-like data crosses. See `runner.ts` for the design choices.
 *
 * Modules: `loader` (synchronous WebAssembly load, one instance per engine), `engine` (runtime,
 * limits, fault containment), `program` (compile once per engine), `lockdown` and `prelude`
 * (JavaScript evaluated inside QuickJS), `script` (the runner's script and line mapping), `call`
 * (one call), `clock` (run-time accounting), `data`, `self` and `errors` (what crosses, and how).
 */
import type { CodeRunner } from "../runner.js";
import { type EngineStats, engineStats } from "./engine.js";
import { type QuickJSLoadStats, quickJSLoadStats } from "./loader.js";
import { StrictRunner, type StrictRunnerOptions } from "./runner.js";

export type { EngineStats } from "./engine.js";
export type { QuickJSLoadStats } from "./loader.js";
export { MAX_IDLE_ENGINES, type StrictRunnerOptions } from "./runner.js";

/**
 * Compiles one suggested function for the strict tier, synchronously (the first runner of the
 * process also loads the QuickJS WebAssembly module, see {@link strictTierStats}).
 *
 * @throws CodeCompileError when a scope name is unusable or QuickJS cannot compile the code;
 *   SandboxDataError when a scope value is neither a function nor JSON-like data
 */
export function createStrictRunner(options: StrictRunnerOptions): CodeRunner {
  return new StrictRunner(options);
}

/** Load time of the QuickJS module and engine lifecycle counters of the strict tier. */
export interface StrictTierStats {
  /** The loader's timings (`loadMs`: the one-off synchronous load). */
  readonly loader: QuickJSLoadStats;
  /** Engines created, disposed, dropped as corrupt, and failed disposals. */
  readonly engines: EngineStats;
}

/** Timings and counters of the strict tier in this process. */
export function strictTierStats(): StrictTierStats {
  return { loader: quickJSLoadStats(), engines: engineStats() };
}
