/**
 * The viewer's page: reads its data (API or embedded export), follows `location.hash` to show the
 * runs list, a run, or two runs compared, and reports every problem in a visible box.
 */

import { openCompare } from "./compare.js";
import { clear, el } from "./dom.js";
import { parseRoute, type Route } from "./route.js";
import { openRun, type RunView } from "./run-view.js";
import { runsList } from "./runs-list.js";
import { pageSource, type Source } from "./source.js";

function start(): void {
  const main = el("main", { id: "viewer" });
  const nav = el("nav", { class: "top" }, el("a", { href: "#" }, "trace-ts runs"));
  // read the embedded data (if any) before the body is replaced
  let source: Source | undefined;
  let problem: unknown;
  try {
    source = pageSource();
  } catch (error) {
    problem = error;
  }
  document.body.replaceChildren(nav, main);
  if (source === undefined) {
    fail(main, problem);
    return;
  }
  const data: Source = source;
  if (source.kind === "static") nav.appendChild(el("span", { class: "muted" }, " · static report"));

  let current: RunView | null = null;
  let closeOther: (() => void) | null = null;
  let generation = 0;

  const show = async (route: Route) => {
    const mine = ++generation;
    if (route.view === "run" && current !== null && current.id === route.id) {
      await current.select(route.step, route.tab);
      document.body.dataset.state = "ready";
      return;
    }
    current?.close();
    current = null;
    closeOther?.();
    closeOther = null;
    document.body.dataset.state = "loading";
    clear(main);
    main.appendChild(el("p", { class: "muted" }, "Loading…"));
    try {
      if (route.view === "runs") {
        const runs = await data.runs();
        if (mine !== generation) return;
        main.replaceChildren(runsList(runs));
      } else if (route.view === "run") {
        const view = await openRun(data, route.id);
        if (mine !== generation) {
          view.close();
          return;
        }
        current = view;
        main.replaceChildren(view.element);
        await view.select(route.step, route.tab);
      } else {
        const view = await openCompare(data, route.a, route.b);
        if (mine !== generation) {
          view.close();
          return;
        }
        closeOther = view.close;
        main.replaceChildren(view.element);
      }
      document.body.dataset.state = "ready";
    } catch (error) {
      if (mine === generation) fail(main, error);
    }
  };

  window.addEventListener("hashchange", () => void show(parseRoute(location.hash)));
  void show(parseRoute(location.hash));
}

function fail(main: HTMLElement, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  main.replaceChildren(
    el(
      "div",
      { class: "problem", role: "alert", testid: "problem" },
      `The viewer could not load its data: ${message}`,
    ),
  );
  document.body.dataset.state = "error";
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
