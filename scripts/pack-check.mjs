#!/usr/bin/env node
// Packs every publishable workspace package with `npm pack`, checks that each tarball holds its
// compiled JavaScript, type declarations, README and LICENSE, then installs all tarballs into a
// scratch project outside the workspace, imports every entry of every `exports` map and runs each
// installed command (`bin`) with --version.
// This catches broken `exports` maps, missing files and dependencies that only resolve inside the
// monorepo.
//
// The consumer is type-checked twice: with the workspace's TypeScript 5.9, and with TypeScript 7
// (the native compiler, `typescript@${TS7_VERSION}` installed in the scratch project; `npm install
// typescript` gives 7.x today). Both compile the imports of every entry point, a consumer file
// using `@model`, `@bundle`, `node`, `bundle` and `traced` (consumer.ts below), and every
// TypeScript block of the README and the docs. The consumer file is also compiled by each
// compiler and run on this Node, so that each compiler's decorator output is exercised.
import { execFileSync, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { checkSnippets, extractSnippets, reportSnippets } from "./doc-snippets.mjs";

/** The TypeScript 7 release the consumer project is also checked with. */
const TS7_VERSION = "7.0.2";

const root = resolve(import.meta.dirname, "..");
const rootPkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const ts59Version = () =>
  JSON.parse(readFileSync(join(root, "node_modules/typescript/package.json"), "utf8")).version;
const scratch = mkdtempSync(join(tmpdir(), "trace-ts-pack-"));
// the scratch project is removed however the check ends, a failed npm call included
// (TRACE_KEEP_PACK_SCRATCH=1 keeps it for inspection)
process.on("exit", () => {
  if (process.env.TRACE_KEEP_PACK_SCRATCH) console.error(`pack check: scratch project kept in ${scratch}`);
  else rmSync(scratch, { recursive: true, force: true });
});
const tarballs = join(scratch, "tarballs");
mkdirSync(tarballs);

const problems = [];
const packages = [];
for (const ws of rootPkg.workspaces) {
  const pkg = JSON.parse(readFileSync(join(root, ws, "package.json"), "utf8"));
  if (pkg.private) continue;
  const out = execFileSync("npm", ["pack", "--json", "--pack-destination", tarballs], {
    cwd: join(root, ws),
    encoding: "utf8",
  });
  const [info] = JSON.parse(out);
  const files = new Set(info.files.map((f) => f.path));
  // beyond the entry points: each command a package installs and, for the viewer, its page
  const extra = [
    ...Object.values(pkg.bin ?? {}).map((path) => path.replace(/^\.\//, "")),
    ...(pkg.name === "@trace-ts/viewer" ? ["dist/client/app.js", "dist/client/app.css"] : []),
  ];
  for (const required of [
    "package.json",
    "README.md",
    "LICENSE",
    "dist/index.js",
    "dist/index.d.ts",
    ...extra,
  ]) {
    if (!files.has(required)) problems.push(`${pkg.name}: tarball lacks ${required}`);
  }
  for (const f of files) {
    if (f.startsWith("src/") || f.startsWith("test/") || f.endsWith(".tsbuildinfo")) {
      problems.push(`${pkg.name}: tarball should not hold ${f}`);
    }
  }
  packages.push({ name: pkg.name, exports: Object.keys(pkg.exports ?? { ".": null }), file: info.filename });
  console.log(`packed ${info.filename} (${info.entryCount} files, ${(info.size / 1024).toFixed(1)} kB)`);
}

const listed = (dir, keep) =>
  readdirSync(join(root, dir))
    .filter(keep)
    .sort()
    .map((name) => `${dir}/${name}`);
const docs = [
  "README.md",
  ...listed("docs", (name) => name.endsWith(".md")),
  ...listed("packages", (name) => existsSync(join(root, "packages", name, "README.md"))).map(
    (p) => `${p}/README.md`,
  ),
];
// Other packages the docs' code blocks import (`ai`, `@langchain/openai`, …), at the version a
// workspace package.json pins, so the blocks compile in the consumer project as in the workspace.
const pinned = new Map();
for (const ws of [".", ...rootPkg.workspaces]) {
  const pkg = JSON.parse(readFileSync(join(root, ws, "package.json"), "utf8"));
  for (const deps of [pkg.dependencies, pkg.devDependencies]) {
    for (const [name, version] of Object.entries(deps ?? {})) {
      if (!version.startsWith("^") && !version.startsWith("~") && !pinned.has(name))
        pinned.set(name, version);
    }
  }
}
const docImports = new Set();
for (const file of docs) {
  for (const block of extractSnippets(readFileSync(join(root, file), "utf8"))) {
    if (block.skipped) continue;
    for (const [, specifier] of block.code.matchAll(/\bfrom\s+"([^"./][^"]*)"/g)) {
      const name = specifier
        .split("/")
        .slice(0, specifier.startsWith("@") ? 2 : 1)
        .join("/");
      if (!name.startsWith("@trace-ts/") && !name.startsWith("node:")) docImports.add(name);
    }
  }
}
const docDependencies = [];
for (const name of [...docImports].sort()) {
  if (name === "@jest/globals" || name === "typescript") continue; // installed below
  const version = pinned.get(name);
  if (version === undefined) problems.push(`the docs import ${name}, which no workspace package.json pins`);
  else docDependencies.push(`${name}@${version}`);
}

const project = join(scratch, "consumer");
mkdirSync(project);
writeFileSync(
  join(project, "package.json"),
  JSON.stringify({ name: "consumer", private: true, type: "module", version: "0.0.0" }, null, 2),
);
execFileSync(
  "npm",
  [
    "install",
    "--no-audit",
    "--no-fund",
    "--prefer-offline",
    "--loglevel=error",
    `@types/node@${rootPkg.devDependencies["@types/node"]}`,
    // the docs' testing examples import it (see the doc-snippet check below)
    `@jest/globals@${rootPkg.devDependencies["@jest/globals"]}`,
    // the native compiler, for the TypeScript 7 checks below (5.9 runs from the workspace)
    `typescript@${TS7_VERSION}`,
    ...docDependencies,
    ...packages.map((p) => join(tarballs, p.file)),
  ],
  { cwd: project, stdio: "inherit" },
);

const specifiers = packages.flatMap((p) =>
  p.exports.map((e) => (e === "." ? p.name : `${p.name}/${e.slice(2)}`)),
);
const script = `${specifiers
  .map(
    (s, i) =>
      `const m${i} = await import(${JSON.stringify(s)}); if (Object.keys(m${i}).length === 0) throw new Error(${JSON.stringify(`${s} exports nothing`)});`,
  )
  .join("\n")}\nconsole.log("imported ${specifiers.length} entry points");\n`;
writeFileSync(join(project, "check.mjs"), script);
try {
  execFileSync(process.execPath, ["check.mjs"], { cwd: project, stdio: "inherit" });
} catch {
  problems.push("importing the installed tarballs failed (see above)");
}

// Each command a package installs runs from the consumer project (`npx <bin> --version`).
for (const ws of rootPkg.workspaces) {
  const pkg = JSON.parse(readFileSync(join(root, ws, "package.json"), "utf8"));
  if (pkg.private) continue;
  for (const bin of Object.keys(pkg.bin ?? {})) {
    try {
      const out = execFileSync("npx", ["--no-install", bin, "--version"], { cwd: project, encoding: "utf8" });
      if (out.trim() !== pkg.version)
        problems.push(`${pkg.name}: \`${bin} --version\` printed ${JSON.stringify(out.trim())}`);
      else console.log(`${bin} --version: ${out.trim()} (${pkg.name})`);
    } catch (error) {
      problems.push(`${pkg.name}: the installed command \`${bin}\` does not run: ${error}`);
    }
  }
}

// The declarations must resolve through the exports maps too, under strict NodeNext settings.
writeFileSync(
  join(project, "check.ts"),
  `${specifiers.map((s, i) => `import * as t${i} from ${JSON.stringify(s)};`).join("\n")}\nexport const all = [${specifiers.map((_, i) => `t${i}`).join(", ")}];\n`,
);
try {
  execFileSync(
    process.execPath,
    [
      join(root, "node_modules/typescript/bin/tsc"),
      "--noEmit",
      "--strict",
      "--target",
      "es2022",
      "--module",
      "nodenext",
      "--moduleResolution",
      "nodenext",
      "--types",
      "node",
      "check.ts",
    ],
    { cwd: project, stdio: "inherit" },
  );
} catch {
  problems.push("type-checking imports of the installed tarballs failed (see above)");
}

// A consumer file with decorators and the public types a user starts with; compiled (5.9 and 7)
// with the settings the README recommends, then run.
writeFileSync(
  join(project, "consumer.ts"),
  `import { bundle, type MaybeNode, type MessageNode, Model, model, node, traced } from "@trace-ts/core";

@model
class Agent extends Model {
  instruction = node("Answer in one word.", { trainable: true });

  @bundle() plan(q: string): string {
    return \`Look up: \${q}\`;
  }

  @bundle({ trainable: true, description: "Formats the answer." })
  format(answer: string): string {
    return answer.trim().toLowerCase();
  }

  forward(q: MaybeNode<string>): MessageNode<string> {
    const t = traced(this);
    return t.format(t.plan(q));
  }
}

const shout = bundle((text: string): string => text.toUpperCase(), { trainable: true, name: "shout" });
const agent = new Agent();
const out: MessageNode<string> = agent.forward(node("  Paris "));
const loud: MessageNode<string> = shout(out);
const source: string = traced(agent).format.getSource();
const names = agent.parameters().map((p) => p.name);
if (out.data !== "look up:   paris" || loud.data !== "LOOK UP:   PARIS") throw new Error(\`unexpected \${out.data} / \${loud.data}\`);
if (!source.includes("toLowerCase")) throw new Error(\`unexpected source: \${source}\`);
if (names.length !== 2) throw new Error(\`unexpected parameters: \${names.join(", ")}\`);
console.log(\`consumer ran: \${loud.data}, \${names.length} parameters\`);
`,
);
const consumerOptions = {
  strict: true,
  target: "ES2022",
  lib: ["ES2022", "ESNext.Decorators"],
  module: "NodeNext",
  moduleResolution: "NodeNext",
  types: ["node"],
  skipLibCheck: false,
  rootDir: ".",
};
const compilers = [
  {
    label: `TypeScript ${ts59Version()}`,
    tsc: join(root, "node_modules/typescript/bin/tsc"),
    out: "out-ts5",
  },
  {
    label: `TypeScript ${TS7_VERSION}`,
    tsc: join(project, "node_modules/typescript/bin/tsc"),
    out: "out-ts7",
  },
];
for (const { label, tsc, out } of compilers) {
  const config = `tsconfig.consumer-${out}.json`;
  writeFileSync(
    join(project, config),
    JSON.stringify({
      compilerOptions: { ...consumerOptions, outDir: out },
      files: ["consumer.ts", "check.ts"],
    }),
  );
  try {
    execFileSync(process.execPath, [tsc, "-p", config, "--pretty", "false"], {
      cwd: project,
      stdio: "inherit",
    });
    execFileSync(process.execPath, [join(out, "consumer.js")], { cwd: project, stdio: "inherit" });
    console.log(`${label}: the consumer file and the imports of every entry point compile and run`);
  } catch {
    problems.push(
      `${label}: the consumer file (decorators, public types) does not compile or run (see above)`,
    );
  }
}

// Every TypeScript block of the README and the docs must compile in this project, against the
// installed tarballs, as a user with the strictest common settings would compile it.
const exampleFiles = listed("examples/src/write-your-own", (name) => name.endsWith(".ts"));
for (const file of [...docs, ...exampleFiles]) {
  mkdirSync(dirname(join(project, file)), { recursive: true });
  cpSync(join(root, file), join(project, file));
}
const snippets = checkSnippets(docs, {
  root: project,
  cwd: project,
  compilerOptions: { paths: undefined, typeRoots: [join(project, "node_modules/@types")] },
});
const failing = snippets.filter((r) => r.diagnostics.length > 0);
if (failing.length > 0) {
  reportSnippets(snippets, (line) => console.error(line));
  problems.push(
    `${failing.length} documentation code block(s) do not compile against the installed tarballs`,
  );
} else {
  const checked = snippets.filter((r) => !r.skipped).length;
  console.log(
    `doc snippets: ${checked} TypeScript blocks of ${docs.length} pages compile against the tarballs (strict, exactOptionalPropertyTypes, noUncheckedIndexedAccess)`,
  );
}

// The same blocks under TypeScript 7: the native compiler has no JavaScript API for doc-snippets.mjs,
// so each block is written next to its page (or the file it copies, as doc-snippets.mjs places it)
// and compiled with the same strict options by its \`tsc\`; positions are mapped back to the pages.
{
  const written = new Map(); // snippet file (relative to the project) → { file, block }
  for (const file of docs) {
    for (const block of extractSnippets(readFileSync(join(project, file), "utf8"))) {
      if (block.skipped) continue;
      const copied = /^\s*\/\/\s*([\w./-]+\.m?ts)\s*\n/.exec(block.code)?.[1];
      const near = copied !== undefined && existsSync(join(project, copied)) ? copied : file;
      const name = join(dirname(near), `${near.slice(dirname(near).length + 1)}.snippet-${block.line}.ts`);
      writeFileSync(join(project, name), block.code);
      written.set(name, { file, block });
    }
  }
  writeFileSync(
    join(project, "tsconfig.snippets-ts7.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
        noImplicitOverride: true,
        target: "ES2022",
        lib: ["ES2022", "ESNext.Decorators"],
        module: "NodeNext",
        moduleResolution: "NodeNext",
        moduleDetection: "force",
        types: ["node"],
        skipLibCheck: true,
        noEmit: true,
      },
      files: [...written.keys()],
    }),
  );
  const run = spawnSync(
    process.execPath,
    [
      join(project, "node_modules/typescript/bin/tsc"),
      "-p",
      "tsconfig.snippets-ts7.json",
      "--pretty",
      "false",
    ],
    { cwd: project, encoding: "utf8" },
  );
  // "docs/llm.md.snippet-40.ts(3,5): error TS2322: …" → "docs/llm.md:42:5 - error TS2322: …"
  const mapped = `${run.stdout}${run.stderr}`.replace(
    /^(.+?\.snippet-\d+\.ts)\((\d+),(\d+)\): /gm,
    (whole, name, line, column) => {
      const entry = written.get(name);
      if (entry === undefined) return whole;
      return `${entry.file}:${entry.block.line + Number(line) - 1}:${entry.block.column + Number(column)} - `;
    },
  );
  if (run.status !== 0) {
    console.error(mapped.trimEnd());
    problems.push(`TypeScript ${TS7_VERSION}: documentation code blocks do not compile (see above)`);
  } else {
    console.log(
      `doc snippets: ${written.size} TypeScript blocks compile with TypeScript ${TS7_VERSION} against the tarballs`,
    );
  }
}

if (problems.length > 0) {
  console.error(`pack check failed:\n- ${problems.join("\n- ")}`);
  process.exit(1);
}
console.log(`pack check: ${packages.length} packages packed, installed and imported`);
