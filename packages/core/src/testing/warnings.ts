import { EventEmitter } from "node:events";

/**
 * Node's own `process`: jest gives each test file a copy that never sees the warnings Node emits
 * (e.g. `MaxListenersExceededWarning`), so take the one of the realm the core modules live in.
 */
const nodeProcess = (EventEmitter.constructor as FunctionConstructor)("return process")() as NodeJS.Process;

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Collects the process warnings (`process.emitWarning`, Node's own such as
 * `MaxListenersExceededWarning`) emitted while `run` runs and on the two ticks after it, also
 * under jest, whose per-file `process` copy never sees them.
 *
 * @example
 * const warnings = await collectWarnings(() => Promise.all(calls).then(() => {}));
 * expect(warnings.map((w) => w.name)).not.toContain("MaxListenersExceededWarning");
 */
export async function collectWarnings(run: () => Promise<void>): Promise<Error[]> {
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => {
    warnings.push(w);
  };
  nodeProcess.on("warning", onWarning);
  try {
    await run();
    await nextTick(); // warnings are emitted on the next tick
    await nextTick();
  } finally {
    nodeProcess.off("warning", onWarning);
  }
  return warnings;
}
