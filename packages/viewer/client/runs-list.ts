/** The runs list: one row per run log under the viewer's root, and a compare button. */
import type { RunsResponse } from "../src/protocol.js";
import { fmt } from "./checks.js";
import { el, table } from "./dom.js";
import { describeProblem } from "./normalize.js";
import { routeHash } from "./route.js";

/** The runs view. */
export function runsList(data: RunsResponse): HTMLElement {
  const box = el("section", { class: "runs" }, el("h1", {}, "Runs"), el("p", { class: "muted" }, data.root));
  if (data.runs.length === 0) {
    box.appendChild(el("p", { class: "muted" }, "No run logs (*.jsonl) found here yet."));
    return box;
  }
  const { table: t, body } = table("runs-table", [
    "",
    "name",
    "algorithm / optimizer",
    "steps",
    "best",
    "status",
    "updated",
  ]);
  const chosen: string[] = [];
  const compare = el(
    "button",
    { type: "button", testid: "compare-button", disabled: "" },
    "Compare the two checked runs",
  );
  compare.addEventListener("click", () => {
    if (chosen.length === 2)
      location.hash = routeHash({ view: "compare", a: chosen[0] ?? "", b: chosen[1] ?? "" });
  });
  for (const run of data.runs) {
    const check = el("input", { type: "checkbox", "aria-label": `compare ${run.name}` });
    check.addEventListener("change", () => {
      const at = chosen.indexOf(run.id);
      if (check.checked && at === -1) chosen.push(run.id);
      if (!check.checked && at !== -1) chosen.splice(at, 1);
      compare.disabled = chosen.length !== 2;
    });
    const row = el(
      "tr",
      { testid: "run-row" },
      el("td", {}, check),
      el(
        "td",
        {},
        el("a", { href: routeHash({ view: "run", id: run.id, step: null, tab: "steps" }) }, run.name),
      ),
      el("td", {}, `${run.algorithm ?? "?"} / ${run.optimizer ?? "?"}`),
      el("td", {}, String(run.steps)),
      el("td", {}, fmt(run.best)),
      el("td", {}, run.reason ?? "running"),
      el("td", {}, run.updated),
    );
    body.appendChild(row);
    if (run.problem !== null) {
      body.appendChild(
        el(
          "tr",
          {},
          el(
            "td",
            { colspan: "7" },
            el(
              "div",
              { class: "problem", role: "alert", testid: "problem" },
              `${run.name}: ${describeProblem(run.problem)}`,
            ),
          ),
        ),
      );
    }
  }
  box.append(t, compare);
  return box;
}
