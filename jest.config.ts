/**
 * @jest-config-loader ts-node
 * @jest-config-loader-options {"transpileOnly": true}
 */
import type { Config } from "jest";

// Without this flag jest + @swc/jest silently fall back to CommonJS, which changes what
// Function.prototype.toString returns for bundled methods. Fail loudly instead.
if (!process.env.NODE_OPTIONS?.includes("--experimental-vm-modules")) {
  throw new Error(
    "run jest through `npm test` (or `npm run test:jest`) (they set NODE_OPTIONS=--experimental-vm-modules)",
  );
}

const config: Config = {
  testEnvironment: "node",
  roots: ["<rootDir>/packages", "<rootDir>/examples", "<rootDir>/bench"],
  testMatch: ["**/test/**/*.test.ts"],
  // Under jest's ESM loader the import order of reflect-metadata before tsyringe is not reliable.
  setupFiles: ["reflect-metadata"],
  // A temp directory of the run's own (TMPDIR); the run fails if a test leaves files in it.
  globalSetup: "<rootDir>/scripts/jest-tmp-setup.mjs",
  // jest's transform cache lives with the dependencies, not in the temp directory
  cacheDirectory: "<rootDir>/node_modules/.cache/jest",
  globalTeardown: "<rootDir>/scripts/jest-tmp-teardown.mjs",
  extensionsToTreatAsEsm: [".ts"],
  moduleNameMapper: {
    "^@trace-ts/core/testing$": "<rootDir>/packages/core/src/testing/index.ts",
    "^@trace-ts/core/(llm|provider|optimizer|graph|instrumentation)$":
      "<rootDir>/packages/core/src/entry/$1.ts",
    "^@trace-ts/([^/]+)$": "<rootDir>/packages/$1/src/index.ts",
    "^(\\.{1,2}/.*)\\.js$": "$1",
  },
  transform: {
    "^.+\\.ts$": [
      "@swc/jest",
      {
        jsc: {
          parser: { syntax: "typescript", decorators: true },
          transform: { decoratorVersion: "2023-11" },
          target: "es2022",
          keepClassNames: true,
        },
        module: { type: "es6" },
        sourceMaps: "inline",
      },
    ],
  },
  coverageProvider: "v8",
  testTimeout: 30_000,
};
export default config;
