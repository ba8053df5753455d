// Node ESM loader hooks that let a plain `node` child process run this repository's TypeScript
// sources directly, the way jest sees them: `@trace-ts/<pkg>` → packages/<pkg>/src/index.ts,
// `./x.js` → ./x.ts next to a .ts importer, and .ts files compiled by @swc/core (the same
// settings as jest.config.ts). Registered by ./register-ts.mjs (`node --import …`).
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { transform } from "@swc/core";

const root = fileURLToPath(new URL("../../../../", import.meta.url));

export async function resolve(specifier, context, next) {
  if (specifier === "@trace-ts/core/testing") {
    return { url: pathToFileURL(join(root, "packages/core/src/testing/index.ts")).href, shortCircuit: true };
  }
  const pkg = /^@trace-ts\/([^/]+)$/.exec(specifier);
  if (pkg)
    return { url: pathToFileURL(join(root, "packages", pkg[1], "src/index.ts")).href, shortCircuit: true };
  if (/^\.\.?\//.test(specifier) && specifier.endsWith(".js") && context.parentURL?.endsWith(".ts")) {
    const candidate = new URL(`${specifier.slice(0, -3)}.ts`, context.parentURL);
    if (existsSync(fileURLToPath(candidate))) return { url: candidate.href, shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (!url.startsWith("file:") || !url.endsWith(".ts")) return next(url, context);
  const filename = fileURLToPath(url);
  const { code } = await transform(await readFile(filename, "utf8"), {
    filename,
    jsc: {
      parser: { syntax: "typescript", decorators: true },
      transform: { decoratorVersion: "2023-11" },
      target: "es2022",
      keepClassNames: true,
    },
    module: { type: "es6" },
    sourceMaps: "inline",
  });
  return { format: "module", source: code, shortCircuit: true };
}
