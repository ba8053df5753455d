import { TraceError } from "@trace-ts/core";

/**
 * A scored `step()` (the `score` option) found no candidate to apply: every candidate's answer
 * was unusable, or its score failed or was not a number. Code `OPRO_NO_CANDIDATE`; nothing is
 * changed and the step report carries the message.
 */
export class OproNoCandidateError extends TraceError {
  /** @param reasons why each candidate was ruled out */
  constructor(readonly reasons: readonly string[]) {
    super("OPRO_NO_CANDIDATE", `OPRO: no candidate could be chosen: ${reasons.join(" | ")}`);
  }
}
