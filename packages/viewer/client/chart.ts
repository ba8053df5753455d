/** Line charts with uPlot: score curves, usage, and the compare view's curves. */
import uPlot from "uplot";
import { el } from "./dom.js";
import type { SeriesSet } from "./model.js";

const COLORS = ["#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#0a7ea4", "#57606a"];

/** Options of {@link lineChart}. */
export interface ChartOptions {
  /** `data-testid` of the chart's root. */
  readonly testid: string;
  /** Title above the chart. */
  readonly title: string;
  /** Labels drawn on a second (right) axis. */
  readonly rightAxis?: readonly string[];
  /** Labels drawn dashed. */
  readonly dashed?: readonly string[];
}

/** A chart that can be redrawn with new data and removed. */
export interface Chart {
  /** The element to put in the page. */
  readonly element: HTMLElement;
  /** Replaces the data (same labels keep their colors). */
  update(data: SeriesSet): void;
  /** Frees the chart. */
  destroy(): void;
}

/** A line chart of `data` (x = step). With no points at all it shows a note instead. */
export function lineChart(data: SeriesSet, options: ChartOptions): Chart {
  const element = el("figure", { class: "chart" }, el("figcaption", {}, options.title));
  const host = el("div", { class: "chart-host" });
  element.appendChild(host);
  let plot: uPlot | undefined;
  let labels = "";
  const draw = (next: SeriesSet) => {
    const key = next.labels.join("\u0000");
    if (plot !== undefined && key === labels) {
      plot.setData([next.x, ...next.ys] as uPlot.AlignedData);
      return;
    }
    plot?.destroy();
    plot = undefined;
    host.replaceChildren();
    labels = key;
    if (next.x.length === 0 || next.labels.length === 0) {
      host.appendChild(el("p", { class: "muted" }, "No data to chart yet."));
      return;
    }
    const right = new Set(options.rightAxis ?? []);
    const dashed = new Set(options.dashed ?? []);
    const hasRight = next.labels.some((l) => right.has(l));
    const opts: uPlot.Options = {
      width: Math.max(320, Math.min(900, host.clientWidth || 760)),
      height: 260,
      scales: { x: { time: false } },
      axes: [
        { label: "step", incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] },
        { scale: "y" },
        ...(hasRight ? [{ scale: "r", side: 1 as const, grid: { show: false } }] : []),
      ],
      series: [
        { label: "step" },
        ...next.labels.map((label, i) => ({
          label,
          scale: right.has(label) ? "r" : "y",
          stroke: COLORS[i % COLORS.length],
          width: 2,
          spanGaps: true,
          points: { show: true, size: 6 },
          ...(dashed.has(label) ? { dash: [6, 4] } : {}),
        })),
      ],
    };
    plot = new uPlot(opts, [next.x, ...next.ys] as uPlot.AlignedData, host);
    plot.root.setAttribute("data-testid", options.testid);
  };
  draw(data);
  return {
    element,
    update: draw,
    destroy: () => {
      plot?.destroy();
      plot = undefined;
    },
  };
}
