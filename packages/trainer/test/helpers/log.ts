/** Reading run logs in tests. */
import { readFileSync } from "node:fs";

/**
 * The records of a run log without what legitimately differs between two runs of the same
 * configuration: times, durations (and the `latencyMs` metric), the run id, and `resume` records.
 */
export function normalizedLog(path: string): unknown[] {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (value !== null && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value))
        if (!["time", "durationMs", "runId", "latencyMs"].includes(k)) out[k] = strip(v);
      return out;
    }
    return value;
  };
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as { type: string })
    .filter((r) => r.type !== "resume")
    .map(strip);
}
