/**
 * One run: header, score and usage charts, steps table, the selected step's detail, the cassette
 * tab, and live updates while the log grows.
 */
import type { LogEvent, LogRecordJson, RunResponse } from "../src/protocol.js";
import { cassetteElement } from "./calls.js";
import { type Chart, lineChart } from "./chart.js";
import { field, fmt, num, str } from "./checks.js";
import { el } from "./dom.js";
import {
  findStep,
  metricNames,
  type RunModel,
  runModel,
  scorePoints,
  seriesSet,
  usagePoints,
} from "./model.js";
import { describeProblem } from "./normalize.js";
import { routeHash } from "./route.js";
import type { Source } from "./source.js";
import { stepDetail, stepsTable } from "./steps.js";

/** A mounted run view. */
export interface RunView {
  /** The run's id. */
  readonly id: string;
  /** The view's root element. */
  readonly element: HTMLElement;
  /** Shows step `n` (or none) and the given tab, without fetching again. */
  select(step: number | null, tab: "steps" | "cassette"): Promise<void>;
  /** Stops following the log and frees the charts. */
  close(): void;
}

/** Loads run `id` and builds its view. */
export async function openRun(source: Source, id: string): Promise<RunView> {
  let data: RunResponse = await source.run(id);
  let records: LogRecordJson[] = [...data.records];
  let model: RunModel = runModel(records);
  let selected: number | null = null;
  let tab: "steps" | "cassette" = "steps";
  let metricName: string | null = null;
  const liveProblems: string[] = [];

  const element = el("section", { class: "run", testid: "run-view" });
  const header = el("header", { class: "run-header" });
  const problems = el("div", { class: "problems" });
  const tabs = el("nav", { class: "tabs" });
  const chartsBox = el("div", { class: "charts" });
  const metricSelect = el("select", { testid: "metric-select", "aria-label": "metric" });
  const stepsBox = el("div", { class: "steps-box" });
  const detailBox = el("div", { class: "detail-box" });
  const cassetteBox = el("div", { class: "cassette-box" });
  element.append(
    header,
    problems,
    tabs,
    el("div", { class: "metric-pick" }, "metric: ", metricSelect),
    chartsBox,
    stepsBox,
    detailBox,
    cassetteBox,
  );

  const score = lineChart(seriesSet(scorePoints(model, null)), {
    testid: "score-chart",
    title: "Scores per step",
    dashed: ["train batch"],
  });
  const usage: Chart = lineChart(seriesSet(usagePoints(model)), {
    testid: "usage-chart",
    title: "Usage so far (tokens; calls and cost on the right axis)",
    rightAxis: ["calls", "cost"],
  });
  chartsBox.append(score.element, usage.element);
  metricSelect.addEventListener("change", () => {
    metricName = metricSelect.value === "" ? null : metricSelect.value;
    score.update(seriesSet(scorePoints(model, metricName)));
  });

  let stop: (() => void) | null = null;
  const badge = el("span", { class: "live", testid: "live-badge" }, "live");

  const renderHeader = () => {
    const run = model.run;
    const datasets = ["train", "validation", "test"]
      .map((split) => {
        const d = field(run?.datasets, split);
        return d === null || d === undefined
          ? ""
          : `${split}: ${str(field(d, "name")) ?? "?"} (${fmt(num(field(d, "size")))})`;
      })
      .filter((s) => s !== "");
    const objective = field(run, "objective");
    const endReason = str(model.end?.reason);
    const status = data.complete
      ? `stopped: ${endReason ?? "?"}${str(model.end?.message) ? ` — ${str(model.end?.message)}` : ""}`
      : "running…";
    header.replaceChildren(
      el("h1", {}, data.name, stop !== null ? badge : null),
      el(
        "dl",
        { class: "facts" },
        ...fact("run", str(run?.runId) ?? "?"),
        ...fact("algorithm", str(run?.algorithm) ?? "?"),
        ...fact("optimizer", str(run?.optimizer) ?? "?"),
        ...fact("seed", fmt(num(run?.seed))),
        ...fact("objective", objective === undefined ? "default (score)" : JSON.stringify(objective)),
        ...fact("datasets", datasets.join(" · ") || "?"),
        ...fact(
          "best",
          model.end
            ? fmt(num(field(model.end.best, "score")))
            : fmt(num(field(model.steps.at(-1)?.best, "score"))),
        ),
        ...fact("status", status),
      ),
    );
    problems.replaceChildren(
      ...data.problems.map((p) =>
        el("div", { class: "problem", role: "alert", testid: "problem" }, describeProblem(p)),
      ),
      ...liveProblems.map((p) => el("div", { class: "problem", role: "alert", testid: "problem" }, p)),
    );
    if (model.run === undefined && records.length === 0 && data.problems.length === 0) {
      problems.appendChild(
        el(
          "div",
          { class: "problem", role: "alert", testid: "problem" },
          "This log has no readable records.",
        ),
      );
    }
  };

  const renderTabs = () => {
    const link = (label: string, which: "steps" | "cassette") =>
      el(
        "a",
        {
          href: routeHash({ view: "run", id, step: selected, tab: which }),
          class: tab === which ? "active" : undefined,
          testid: `tab-${which}`,
        },
        label,
      );
    tabs.replaceChildren(link("Steps", "steps"));
    if (data.cassette) tabs.appendChild(link("Cassette", "cassette"));
  };

  const renderMetrics = () => {
    const names = metricNames(model);
    const current = metricSelect.value;
    metricSelect.replaceChildren(
      el("option", { value: "" }, "score (objective)"),
      ...names.map((n) => el("option", { value: n }, n)),
    );
    metricSelect.value = names.includes(current) ? current : "";
  };

  const renderCharts = () => {
    score.update(seriesSet(scorePoints(model, metricName)));
    usage.update(seriesSet(usagePoints(model)));
  };

  const renderSteps = () => {
    stepsBox.replaceChildren(
      stepsTable(model.steps, selected, (n) => routeHash({ view: "run", id, step: n, tab: "steps" })),
    );
  };

  const renderDetail = () => {
    if (selected === null) {
      detailBox.replaceChildren(
        el(
          "p",
          { class: "muted" },
          model.steps.length > 0 ? "Pick a step to see its detail." : "No steps yet.",
        ),
      );
      return;
    }
    const step = findStep(model, selected);
    detailBox.replaceChildren(
      step === undefined
        ? el("p", { class: "muted" }, `No step ${selected} in this log (yet).`)
        : stepDetail(step),
    );
  };

  let cassetteShown = false;
  const renderCassette = async () => {
    const show = tab === "cassette";
    cassetteBox.hidden = !show;
    stepsBox.hidden = show;
    detailBox.hidden = show;
    if (!show || cassetteShown) return;
    cassetteShown = true;
    const cassette = await source.cassette(id);
    cassetteBox.replaceChildren(
      cassette === null
        ? el("p", { class: "muted" }, "This run has no cassette.")
        : cassetteElement(cassette),
    );
  };

  const renderAll = () => {
    renderHeader();
    renderTabs();
    renderMetrics();
    renderCharts();
    renderSteps();
    renderDetail();
  };

  const onEvent = (event: LogEvent) => {
    if (event.kind === "records") {
      const before = model.steps.length;
      records = records.concat(event.records);
      model = runModel(records);
      data = { ...data, records, bytes: event.bytes, complete: event.complete };
      if (event.complete) stopFollowing();
      renderHeader();
      renderMetrics();
      renderCharts();
      renderSteps();
      if (selected !== null && model.steps.length !== before) renderDetail();
    } else if (event.kind === "reset") {
      void reload();
    } else {
      liveProblems.push(describeProblem(event.problem));
      renderHeader();
    }
  };
  const startFollowing = () => {
    if (data.complete || stop !== null) return;
    stop = source.follow(id, data.bytes, onEvent, () => {
      stop = null;
      liveProblems.push("The live connection to the viewer closed; reload the page to continue following.");
      renderHeader();
    });
  };
  const stopFollowing = () => {
    stop?.();
    stop = null;
  };
  const reload = async () => {
    stopFollowing();
    try {
      data = await source.run(id);
    } catch (error) {
      liveProblems.push(error instanceof Error ? error.message : String(error));
      renderHeader();
      return;
    }
    records = [...data.records];
    model = runModel(records);
    startFollowing();
    renderAll();
  };

  startFollowing();
  renderAll();
  return {
    id,
    element,
    select: async (step, which) => {
      selected = step;
      tab = which;
      renderTabs();
      renderSteps();
      renderDetail();
      await renderCassette();
    },
    close: () => {
      stopFollowing();
      score.destroy();
      usage.destroy();
    },
  };
}

function fact(term: string, value: string): HTMLElement[] {
  return [el("dt", {}, term), el("dd", {}, value)];
}
