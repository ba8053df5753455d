/** The page's address fragment: `#run=<id>`, `#run=<id>&step=<n>`, `#compare=<a>,<b>`. */

/** What the fragment asks for. */
export type Route =
  | { readonly view: "runs" }
  | {
      readonly view: "run";
      readonly id: string;
      readonly step: number | null;
      readonly tab: "steps" | "cassette";
    }
  | { readonly view: "compare"; readonly a: string; readonly b: string };

/** Reads a fragment (`location.hash`). */
export function parseRoute(hash: string): Route {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const compare = params.get("compare");
  if (compare !== null) {
    const [a, b] = compare.split(",").map((part) => safeDecode(part));
    if (a && b) return { view: "compare", a, b };
  }
  const id = params.get("run");
  if (id !== null && id !== "") {
    const step = Number(params.get("step"));
    return {
      view: "run",
      id,
      step: params.has("step") && Number.isInteger(step) ? step : null,
      tab: params.get("tab") === "cassette" ? "cassette" : "steps",
    };
  }
  return { view: "runs" };
}

/** The fragment of a route. */
export function routeHash(route: Route): string {
  if (route.view === "runs") return "#";
  if (route.view === "compare") {
    return `#compare=${encodeURIComponent(route.a)},${encodeURIComponent(route.b)}`;
  }
  const params = new URLSearchParams({ run: route.id });
  if (route.step !== null) params.set("step", String(route.step));
  if (route.tab === "cassette") params.set("tab", "cassette");
  return `#${params.toString()}`;
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
