#!/usr/bin/env node
// Packs every publishable workspace package with `npm pack`, checks that each tarball holds its
// compiled JavaScript, type declarations, README and LICENSE, then installs all tarballs into a
// scratch project outside the workspace and imports every entry of every `exports` map.
// This catches broken `exports` maps, missing files and dependencies that only resolve inside the
// monorepo.
import { execFileSync } from "node:child_process";
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
import { checkSnippets, reportSnippets } from "./doc-snippets.mjs";

const root = resolve(import.meta.dirname, "..");
const rootPkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
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
  for (const required of ["package.json", "README.md", "LICENSE", "dist/index.js", "dist/index.d.ts"]) {
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

// Every TypeScript block of the README and the docs must compile in this project, against the
// installed tarballs, as a user with the strictest common settings would compile it.
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

if (problems.length > 0) {
  console.error(`pack check failed:\n- ${problems.join("\n- ")}`);
  process.exit(1);
}
console.log(`pack check: ${packages.length} packages packed, installed and imported`);
