import { createRequire } from "node:module";

/** The parts of `@swc/core` trace-ts uses. */
export interface SwcApi {
  parseSync(
    src: string,
    options: { syntax: "ecmascript" | "typescript"; target?: string; isModule?: boolean },
  ): unknown;
  transformSync(
    src: string,
    options: Record<string, unknown>,
  ): {
    code: string;
    map?: string;
  };
}

let loaded: SwcApi | undefined;

/**
 * `@swc/core`, loaded on first use (its native binding costs ~25 ms to load, and programs that
 * never change code should not pay it).
 */
export function swc(): SwcApi {
  if (loaded === undefined) loaded = createRequire(import.meta.url)("@swc/core") as SwcApi;
  return loaded;
}
