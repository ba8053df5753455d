// Node ESM loader hooks that let a plain `node` child process (started by a test) run this
// repository's TypeScript sources directly, as jest sees them:
// - `@trace-ts/<pkg>` → packages/<pkg>/src/index.ts (and `@trace-ts/core/testing`, and the other
//   subpaths of core → packages/core/src/entry/<name>.ts);
// - `./x.js` → ./x.ts when only the .ts file exists (the NodeNext import convention);
// - .ts files compiled with @swc/core using the same settings as jest.config.ts, or with
//   TypeScript's transpileModule for files whose path ends with an entry of TRACE_TSC_FILES
//   (comma-separated), to reproduce what the tsc build emits.
// Install with `node --import <repo>/scripts/ts-loader/register.mjs child.ts`.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL("../../", import.meta.url));
const tscFiles = (process.env.TRACE_TSC_FILES ?? "").split(",").filter(Boolean);

/** The swc settings of jest.config.ts (keep the two in step). */
const SWC_OPTIONS = {
  jsc: {
    parser: { syntax: "typescript", decorators: true },
    transform: { decoratorVersion: "2023-11" },
    target: "es2022",
    keepClassNames: true,
  },
  module: { type: "es6" },
  sourceMaps: "inline",
  swcrc: false,
  configFile: false,
};

export async function resolve(specifier, context, next) {
  if (specifier === "@trace-ts/core/testing") {
    return { url: pathToFileURL(join(root, "packages/core/src/testing/index.ts")).href, shortCircuit: true };
  }
  const entry = /^@trace-ts\/core\/(llm|provider|optimizer|graph)$/.exec(specifier);
  if (entry) {
    return {
      url: pathToFileURL(join(root, `packages/core/src/entry/${entry[1]}.ts`)).href,
      shortCircuit: true,
    };
  }
  const pkg = /^@trace-ts\/([^/]+)$/.exec(specifier);
  if (pkg) {
    return { url: pathToFileURL(join(root, "packages", pkg[1], "src/index.ts")).href, shortCircuit: true };
  }
  if (/^\.\.?\//.test(specifier) && specifier.endsWith(".js") && context.parentURL) {
    const js = new URL(specifier, context.parentURL);
    const ts = new URL(`${specifier.slice(0, -3)}.ts`, context.parentURL);
    if (!existsSync(fileURLToPath(js)) && existsSync(fileURLToPath(ts)))
      return { url: ts.href, shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (!url.startsWith("file:") || !url.endsWith(".ts")) return next(url, context);
  const filename = fileURLToPath(url);
  const text = await readFile(filename, "utf8");
  let source;
  if (tscFiles.some((f) => filename.endsWith(f))) {
    const ts = require("typescript");
    source = ts.transpileModule(text, {
      fileName: filename,
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, sourceMap: false },
    }).outputText;
  } else {
    source = (await require("@swc/core").transform(text, { filename, ...SWC_OPTIONS })).code;
  }
  return { format: "module", source, shortCircuit: true };
}
