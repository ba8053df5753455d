/** Two runs side by side: their score curves on one chart and their final parameters. */
import type { RunResponse } from "../src/protocol.js";
import { type Chart, lineChart } from "./chart.js";
import { asText } from "./checks.js";
import { changeDiff } from "./diff.js";
import { el, table } from "./dom.js";
import { finalParameters, runModel, scorePoints, seriesSet } from "./model.js";
import { describeProblem } from "./normalize.js";
import type { Source } from "./source.js";

/** A mounted compare view. */
export interface CompareView {
  /** The view's root element. */
  readonly element: HTMLElement;
  /** Frees the chart. */
  close(): void;
}

/** Loads runs `a` and `b` and builds the compare view. */
export async function openCompare(source: Source, a: string, b: string): Promise<CompareView> {
  const [ra, rb] = await Promise.all([source.run(a), source.run(b)]);
  const element = el(
    "section",
    { class: "compare", testid: "compare-view" },
    el("h1", {}, `Compare ${ra.name} and ${rb.name}`),
  );
  for (const r of [ra, rb]) {
    for (const p of r.problems) {
      element.appendChild(
        el("div", { class: "problem", role: "alert", testid: "problem" }, `${r.name}: ${describeProblem(p)}`),
      );
    }
  }
  const points = new Map<string, Map<number, number>>();
  for (const [tag, run] of [
    ["A", ra],
    ["B", rb],
  ] as const) {
    for (const [label, series] of scorePoints(runModel(run.records), null)) {
      if (label === "train batch") continue;
      points.set(`${tag} ${label}`, series);
    }
  }
  const chart: Chart = lineChart(seriesSet(points), {
    testid: "compare-chart",
    title: `Scores: A = ${ra.name}, B = ${rb.name}`,
  });
  element.appendChild(chart.element);
  element.appendChild(parametersTable(ra, rb));
  return { element, close: () => chart.destroy() };
}

function parametersTable(ra: RunResponse, rb: RunResponse): HTMLElement {
  const pa = finalParameters(runModel(ra.records));
  const pb = finalParameters(runModel(rb.records));
  const keys = [...new Set([...pa.keys(), ...pb.keys()])].sort();
  const { table: t, body } = table("compare-parameters", ["parameter", `A: ${ra.name}`, `B: ${rb.name}`]);
  const diffs = el("div", { class: "compare-diffs" });
  for (const key of keys) {
    const va = pa.has(key) ? asText(pa.get(key)) : "(absent)";
    const vb = pb.has(key) ? asText(pb.get(key)) : "(absent)";
    body.appendChild(
      el(
        "tr",
        { class: va === vb ? undefined : "differs" },
        el("td", {}, el("code", {}, key)),
        el("td", {}, el("pre", { class: "text" }, va)),
        el("td", {}, el("pre", { class: "text" }, vb)),
      ),
    );
    if (va !== vb) diffs.appendChild(changeDiff({ key, before: pa.get(key), after: pb.get(key) }));
  }
  return el("section", {}, el("h2", {}, "Final parameters"), t, el("h2", {}, "Differences (A → B)"), diffs);
}
