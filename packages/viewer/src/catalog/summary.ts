/**
 * The runs list's line for one run log, computed from the whole log.
 */
import type { LogRecordJson, RunSummary } from "../protocol.js";
import type { RunLogRead } from "../read/run-log.js";

function text(value: unknown): string | null {
  return typeof value === "string" ? value.slice(0, 500) : null;
}

function bestScore(record: LogRecordJson): number | null {
  const best = record.best;
  if (typeof best !== "object" || best === null) return null;
  const score = (best as { score?: unknown }).score;
  return typeof score === "number" && Number.isFinite(score) ? score : null;
}

/**
 * Summarizes a run log read.
 *
 * @param id the run's id
 * @param name its display name
 * @param read the log as read
 * @param cassette whether a cassette was found
 */
export function summarize(id: string, name: string, read: RunLogRead, cassette: boolean): RunSummary {
  let runId: string | null = null;
  let algorithm: string | null = null;
  let optimizer: string | null = null;
  let steps = 0;
  let best: number | null = null;
  let reason: string | null = null;
  for (const record of read.records) {
    switch (record.type) {
      case "run":
        runId = text(record.runId);
        algorithm = text(record.algorithm);
        optimizer = text(record.optimizer);
        break;
      case "step":
        if (typeof record.step === "number") steps = record.step;
        best = bestScore(record) ?? best;
        break;
      case "resume":
        reason = null;
        break;
      case "end":
        best = bestScore(record) ?? best;
        reason = text(record.reason);
        break;
    }
  }
  return {
    id,
    name,
    runId,
    algorithm,
    optimizer,
    steps,
    best,
    reason: read.complete ? reason : null,
    updated: read.mtime.toISOString(),
    bytes: read.size,
    cassette,
    problem: read.problems[0] ?? null,
  };
}
