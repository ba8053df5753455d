/**
 * What a run log keeps of the text models read and wrote: the optimizer's call messages and raw
 * responses (opt-in, redacted, capped) and the traced graph each proposal was made from (Graphviz
 * DOT, capped).
 */
import { InvalidOptionError, type ProblemView, toDot } from "@trace-ts/core";
import { knownSecrets, redactString } from "@trace-ts/core/llm";
import { truncateText, validateOptions } from "@trace-ts/core/optimizer";

/** Options of `TrainConfig.logContent`. */
export interface LogContentOptions {
  /**
   * Keep the messages of every optimizer call and its raw response (default false: the log then
   * has each call's purpose, tokens, error and duration, and `omitted: true`). Messages hold your
   * data (examples, feedback, code); they pass through the same redaction as errors (API keys,
   * bearer tokens, credentials in URLs, the providers' key variables) and each text is cut at
   * `maxChars`.
   */
  readonly messages?: boolean;
  /**
   * Keep the traced graph each proposal was made from (its problem view) as Graphviz DOT, in
   * `proposals[].graph` (default true). Node labels hold values cut at 40 characters.
   */
  readonly graph?: boolean;
  /** Longest message or response text kept (default 20 000 characters); longer ones are cut with a marker. */
  readonly maxChars?: number;
  /**
   * Longest DOT text kept (default 200 000 characters); a larger graph is left out and
   * `graphOmitted` says why.
   */
  readonly maxGraphChars?: number;
}

/** @internal `LogContentOptions` with defaults filled in. */
export interface LogContent {
  readonly messages: boolean;
  readonly graph: boolean;
  readonly maxChars: number;
  readonly maxGraphChars: number;
}

/** @internal The graph of a proposal as the log keeps it: the DOT text, or why it was left out. */
export type GraphRecordPart = { readonly graph: string } | { readonly graphOmitted: string };

const SCHEMA = {
  messages: "boolean",
  graph: "boolean",
  maxChars: "integer",
  maxGraphChars: "integer",
} as const;

/**
 * @internal Checks `logContent` and fills in the defaults.
 * @param options the option as given
 */
export function logContentSettings(options: LogContentOptions | undefined): LogContent {
  validateOptions("train() logContent", options ?? {}, SCHEMA);
  const o = options ?? {};
  for (const name of ["maxChars", "maxGraphChars"] as const) {
    const v = o[name];
    if (v !== undefined && v < 100) {
      throw new InvalidOptionError("train() logContent", name, `must be at least 100, got ${v}`);
    }
  }
  return {
    messages: o.messages ?? false,
    graph: o.graph ?? true,
    maxChars: o.maxChars ?? 20_000,
    maxGraphChars: o.maxGraphChars ?? 200_000,
  };
}

/**
 * @internal A message or response as the log keeps it: credentials redacted, then cut at `maxChars`.
 * @param text the text
 * @param content the run's settings
 */
export function loggedText(text: string, content: LogContent): string {
  return truncateText(redactString(text, knownSecrets()), content.maxChars);
}

/**
 * @internal The DOT text of the view a proposal was made from, or why it is not kept.
 * @param view the problem view
 * @param content the run's settings
 */
export function graphPart(view: ProblemView, content: LogContent): GraphRecordPart {
  let dot: string;
  try {
    dot = toDot(view);
  } catch (error) {
    return { graphOmitted: `the graph could not be drawn: ${String(error)}` };
  }
  if (dot.length > content.maxGraphChars) {
    return {
      graphOmitted: `its DOT text has ${dot.length} characters, over the cap of ${content.maxGraphChars} (logContent.maxGraphChars)`,
    };
  }
  return { graph: redactString(dot, knownSecrets()) };
}
