/** The steps table of a run and the detail of one step. */
import type { LogRecordJson } from "../src/protocol.js";
import { callElement } from "./calls.js";
import { arr, asText, bool, field, fmt, fmtMs, num, obj, str } from "./checks.js";
import { changeDiff } from "./diff.js";
import { el, table } from "./dom.js";
import { graphElement } from "./graph.js";
import { stepGraphs } from "./model.js";

/** The steps table; `href(n)` is the link of step `n`; the row of `selected` is marked. */
export function stepsTable(
  steps: readonly LogRecordJson[],
  selected: number | null,
  href: (n: number) => string,
): HTMLElement {
  const { table: t, body } = table("steps-table", ["step", "kept", "batch mean", "score", "note"]);
  for (const step of steps) {
    const n = num(step.step);
    if (n === undefined) continue;
    const kept = bool(step.kept);
    const row = el(
      "tr",
      { testid: "step-row", "data-step": String(n), class: n === selected ? "selected" : undefined },
      el("td", {}, el("a", { href: href(n) }, `step ${n}`)),
      el(
        "td",
        { class: kept === false ? "reverted" : "kept" },
        kept === undefined ? "?" : kept ? "kept" : "reverted",
      ),
      el("td", {}, fmt(num(field(step.batch, "mean")))),
      el("td", {}, fmt(num(field(step.score, "value")))),
      el(
        "td",
        {},
        str(step.note) ?? (str(step.skipped) !== undefined ? `skipped: ${str(step.skipped)}` : ""),
      ),
    );
    body.appendChild(row);
  }
  return el("section", { class: "steps" }, el("h2", {}, "Steps"), t);
}

/** Everything about one step. */
export function stepDetail(step: LogRecordJson): HTMLElement {
  const n = num(step.step);
  const box = el("section", { class: "step-detail", testid: "step-detail" }, el("h2", {}, `Step ${fmt(n)}`));
  const note = str(step.note);
  box.appendChild(
    el(
      "p",
      {},
      `epoch ${fmt(num(step.epoch))} · ${bool(step.kept) ? "kept" : "not kept"} · ${fmtMs(num(step.durationMs))}`,
      note !== undefined ? ` · ${note}` : "",
    ),
  );
  box.appendChild(batchElement(step.batch));
  const applied = arr(step.applied);
  if (applied.length > 0) {
    box.appendChild(el("h3", {}, "Changes of the step"));
    for (const change of applied) box.appendChild(changeDiff(change));
  }
  arr(step.proposals).forEach((p, i) => {
    box.appendChild(proposalElement(p, i));
  });
  const graphs = stepGraphs(step);
  if (graphs.length > 0) {
    box.appendChild(el("h3", {}, "Traced graph"));
    for (const g of graphs) box.appendChild(graphElement(g.label, g.dot));
  }
  return box;
}

function batchElement(batch: unknown): HTMLElement {
  const indices = arr(field(batch, "indices"));
  const scores = arr(field(batch, "scores"));
  const feedback = arr(field(batch, "feedback"));
  const { table: t, body } = table("batch-table", ["example", "score", "feedback"]);
  const rows = Math.max(indices.length, scores.length, feedback.length);
  for (let i = 0; i < rows; i++) {
    body.appendChild(
      el(
        "tr",
        {},
        el("td", {}, fmt(num(indices[i]))),
        el("td", {}, fmt(num(scores[i]))),
        el("td", {}, el("pre", { class: "text" }, asText(feedback[i]))),
      ),
    );
  }
  const box = el(
    "div",
    { class: "batch" },
    el("h3", {}, `Batch: mean ${fmt(num(field(batch, "mean")))}, errors ${fmt(num(field(batch, "errors")))}`),
    t,
  );
  for (const outage of arr(field(batch, "outages"))) {
    box.appendChild(
      el(
        "p",
        { class: "muted" },
        `example ${fmt(num(field(outage, "index")))} not scored: ${str(field(outage, "error")) ?? ""}`,
      ),
    );
  }
  return box;
}

function proposalElement(p: unknown, i: number): HTMLElement {
  const parent = num(field(p, "parent"));
  const score = num(field(p, "score"));
  const flags = [
    bool(field(p, "chosen")) ? "chosen" : "not chosen",
    parent !== undefined ? `from candidate ${parent}` : "",
    score !== undefined ? `score ${fmt(score)}` : "",
    bool(field(p, "terminate")) ? "terminate" : "",
  ].filter((s) => s !== "");
  const box = el(
    "div",
    { class: "proposal", testid: "proposal" },
    el("h3", {}, `Proposal ${i + 1}`, el("span", { class: "muted" }, ` (${flags.join(", ")})`)),
  );
  const error = str(field(p, "error"));
  if (error !== undefined) box.appendChild(el("div", { class: "call-error" }, `error: ${error}`));
  const reasoning = str(field(p, "reasoning"));
  if (reasoning !== undefined)
    box.appendChild(
      el("div", { class: "reasoning" }, el("h4", {}, "Reasoning"), el("pre", { class: "text" }, reasoning)),
    );
  for (const change of arr(field(p, "applied"))) box.appendChild(changeDiff(change));
  const rejected = arr(field(p, "rejected"));
  if (rejected.length > 0) {
    const list = el("ul", { class: "rejected", testid: "rejected" });
    for (const r of rejected) {
      list.appendChild(
        el(
          "li",
          {},
          el("code", {}, str(field(r, "key")) ?? "?"),
          field(r, "vetoed") === true ? " (vetoed)" : "",
          `: ${str(field(r, "reason")) ?? ""}`,
          el("pre", { class: "text" }, asText(field(r, "value"))),
        ),
      );
    }
    box.appendChild(el("h4", {}, "Rejected suggestions"));
    box.appendChild(list);
  }
  const graphOmitted = str(field(p, "graphOmitted"));
  if (graphOmitted !== undefined)
    box.appendChild(el("p", { class: "muted" }, `graph not logged: ${graphOmitted}`));
  const calls = arr(field(p, "calls"));
  if (calls.length > 0) {
    box.appendChild(el("h4", {}, "Optimizer calls"));
    for (const call of calls) box.appendChild(callElement(call));
  }
  if (obj(field(p, "metrics")) !== undefined) {
    box.appendChild(details("metrics", asText(field(p, "metrics"))));
  }
  return box;
}

function details(summary: string, body: string): HTMLElement {
  return el("details", {}, el("summary", {}, summary), el("pre", { class: "text" }, body));
}
