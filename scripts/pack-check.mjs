#!/usr/bin/env node
// Packs every publishable workspace package with `npm pack`, checks that each tarball holds its
// compiled JavaScript, type declarations, README and LICENSE, then installs all tarballs into a
// scratch project outside the workspace and imports every entry of every `exports` map.
// This catches broken `exports` maps, missing files and dependencies that only resolve inside the
// monorepo.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const rootPkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const scratch = mkdtempSync(join(tmpdir(), "trace-ts-pack-"));
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

if (problems.length > 0) {
  console.error(`pack check failed:\n- ${problems.join("\n- ")}`);
  process.exit(1);
}
rmSync(scratch, { recursive: true, force: true });
console.log(`pack check: ${packages.length} packages packed, installed and imported`);
