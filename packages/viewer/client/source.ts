/**
 * Where the page's data comes from: the viewer's API (with the session token of the page's
 * address), or the JSON a static export embeds in `#trace-viewer-data`.
 */
import type { CassetteResponse, LogEvent, RunResponse, RunsResponse } from "../src/protocol.js";
import { num, obj } from "./checks.js";
import { ViewerDataError } from "./errors.js";
import { toCassette, toEvent, toRun, toRuns } from "./normalize.js";

/** What the views need from a data source. */
export interface Source {
  /** `static` for an export (no live updates). */
  readonly kind: "api" | "static";
  /** The runs list. */
  runs(): Promise<RunsResponse>;
  /** A whole run. */
  run(id: string): Promise<RunResponse>;
  /** A run's cassette, or null when it has none. */
  cassette(id: string): Promise<CassetteResponse | null>;
  /**
   * Follows a run's log from byte `from`; returns a function that stops, or null when this source
   * cannot follow.
   */
  follow(
    id: string,
    from: number,
    onEvent: (event: LogEvent) => void,
    onError: () => void,
  ): (() => void) | null;
}

/** The source for this page: static data when embedded, else the API. */
export function pageSource(): Source {
  const embedded = document.getElementById("trace-viewer-data");
  return embedded === null
    ? apiSource(new URLSearchParams(location.search).get("token") ?? "")
    : staticSource(embedded);
}

function staticSource(node: HTMLElement): Source {
  let data: Readonly<Record<string, unknown>> | undefined;
  try {
    data = obj(JSON.parse(node.textContent ?? ""));
  } catch (error) {
    throw new ViewerDataError(`The embedded report data is not valid JSON: ${String(error)}`);
  }
  if (data === undefined) throw new ViewerDataError("The embedded report data is missing or not an object.");
  if (num(data.protocol) === undefined)
    throw new ViewerDataError("The embedded report data has no protocol version.");
  const runs = toRuns(data.runs);
  const byId = obj(data.run) ?? {};
  const cassettes = obj(data.cassette) ?? {};
  return {
    kind: "static",
    runs: async () => runs,
    run: async (id) => {
      if (!Object.hasOwn(byId, id)) throw new ViewerDataError(`The report has no run "${id}".`);
      return toRun(byId[id], id);
    },
    cassette: async (id) => (Object.hasOwn(cassettes, id) ? toCassette(cassettes[id]) : null),
    follow: () => null,
  };
}

function apiSource(token: string): Source {
  const url = (path: string, query: Readonly<Record<string, string>> = {}) =>
    `${path}?${new URLSearchParams({ ...query, token }).toString()}`;
  const get = async (path: string, query: Readonly<Record<string, string>> = {}): Promise<unknown> => {
    let response: Response;
    try {
      response = await fetch(url(path, query), { headers: { accept: "application/json" } });
    } catch (error) {
      throw new ViewerDataError(`Could not reach the viewer (${path}): ${String(error)}`);
    }
    if (!response.ok) {
      const detail = (await response.text().catch(() => "")).slice(0, 300);
      throw new ViewerDataError(`${path} answered ${response.status}${detail ? `: ${detail}` : ""}`);
    }
    try {
      return await response.json();
    } catch (error) {
      throw new ViewerDataError(`${path} did not answer JSON: ${String(error)}`);
    }
  };
  return {
    kind: "api",
    runs: async () => toRuns(await get("/api/runs")),
    run: async (id) => toRun(await get("/api/run", { id }), id),
    cassette: async (id) => {
      try {
        return toCassette(await get("/api/cassette", { id }));
      } catch (error) {
        if (error instanceof ViewerDataError && / answered 404/.test(error.message)) return null;
        throw error;
      }
    },
    follow: (id, from, onEvent, onError) => {
      const source = new EventSource(url("/api/events", { id, from: String(from) }));
      for (const kind of ["records", "reset", "problem"] as const) {
        source.addEventListener(kind, (message) => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(String((message as MessageEvent).data));
          } catch {
            return;
          }
          const event = toEvent(kind, parsed);
          if (event !== undefined) onEvent(event);
        });
      }
      source.addEventListener("error", () => {
        if (source.readyState === EventSource.CLOSED) onError();
      });
      return () => source.close();
    },
  };
}
