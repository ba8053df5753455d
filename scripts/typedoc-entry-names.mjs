// TypeDoc plugin (typedoc.json `plugin`): names the modules of a package with several `exports`
// entries after the import specifier a user writes. TypeDoc names such modules after the export
// keys with "./" removed, which leaves the root entry of `@trace-ts/core` (".") without a name and
// its subpath entries as bare "llm", "graph", …; with this plugin they are "@trace-ts/core",
// "@trace-ts/core/llm", "@trace-ts/core/graph", … (pages `modules/_trace-ts_core._trace-ts_core_llm.html`).
// It runs when packages mode merges the per-package projects (Application.EVENT_PROJECT_REVIVE).
import { Application, ReflectionKind } from "typedoc";

/** @param {import("typedoc").Application} app */
export function load(app) {
  app.on(Application.EVENT_PROJECT_REVIVE, (project) => {
    for (const pkg of project.getChildrenByKind(ReflectionKind.Module)) {
      for (const entry of pkg.getChildrenByKind(ReflectionKind.Module)) {
        if (entry.name === "" || entry.name === ".") entry.name = pkg.name;
        else if (!entry.name.startsWith("@")) entry.name = `${pkg.name}/${entry.name}`;
      }
    }
  });
}
