/**
 * Typed errors of `@trace-ts/trainer`. Every class extends core's `TraceError`, so programs can
 * branch on the stable `code`; messages say what went wrong and what to do.
 */
import { describeError, type RunStopReason, TraceError } from "@trace-ts/core";

/** A dataset could not be built: a bad JSONL line, an unreadable file, impossible split sizes. */
export class DatasetError extends TraceError {
  /** The file the problem is in, when it came from a file. */
  readonly file: string | undefined;
  /** 1-based line number in `file`, when the problem is on one line. */
  readonly line: number | undefined;

  /**
   * @param message what is wrong and how to fix it
   * @param where the file and line, when known
   * @param options the underlying error as `cause`
   */
  constructor(
    message: string,
    where: { readonly file?: string; readonly line?: number } = {},
    options?: ErrorOptions,
  ) {
    const prefix =
      where.file === undefined ? "" : `${where.file}${where.line === undefined ? "" : `:${where.line}`}: `;
    super("DATASET_INVALID", `${prefix}${message}`, options);
    this.file = where.file;
    this.line = where.line;
  }
}

/** A guide threw, or returned something other than `{ score: finite number, feedback: string }`. */
export class GuideError extends TraceError {
  /** The guide's name. */
  readonly guide: string;
  /**
   * @param guide the guide's name
   * @param message what went wrong
   * @param options the underlying error as `cause`
   */
  constructor(guide: string, message: string, options?: ErrorOptions) {
    super("GUIDE_FAILED", `guide '${guide}': ${message}`, options);
    this.guide = guide;
  }
}

/** An LLM judge answered with text from which no score could be read, even after re-asking. */
export class JudgeResponseError extends TraceError {
  /** The judge's last response text. */
  readonly response: string;
  /**
   * @param message what could not be read
   * @param response the judge's last response
   */
  constructor(message: string, response: string) {
    super("JUDGE_UNREADABLE", message);
    this.response = response;
  }
}

/**
 * The agent's forward function threw something that is not an `ExecutionError`: the failure
 * happened outside traced operations, so there is no node to send feedback to. Wrap the failing
 * code in `bundle()` (or catch it yourself) so it becomes feedback.
 */
export class AgentError extends TraceError {
  /** Index of the example (in the dataset being run) whose forward pass failed. */
  readonly exampleIndex: number;
  /**
   * @param exampleIndex index of the example in the dataset being run
   * @param cause what the forward function threw
   */
  constructor(exampleIndex: number, cause: unknown) {
    const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(
      "AGENT_FAILED",
      `the forward function failed on example ${exampleIndex} outside any traced operation (${what}). ` +
        "Only errors inside traced operations (ops, bundle, callLLM) become feedback; wrap the failing " +
        "code in bundle() or catch the error in the forward function.",
      { cause },
    );
    this.exampleIndex = exampleIndex;
  }
}

/** The forward function returned a plain value where training needs the traced output node. */
export class ForwardOutputError extends TraceError {
  /** @param exampleIndex index of the example whose output was not a node */
  constructor(exampleIndex: number) {
    super(
      "FORWARD_NOT_A_NODE",
      `the forward function returned a plain value for example ${exampleIndex}; training sends feedback ` +
        "backward from the output, so return the node your traced operations produced (not node.data)",
    );
  }
}

/** An evaluation or training run was stopped through its `AbortSignal`. */
export class RunCancelledError extends TraceError {
  /** Ends the run: see core's `RunStopReason`. */
  override get stopsRun(): RunStopReason {
    return "cancelled";
  }

  /** @param reason the signal's abort reason, kept as `cause` */
  constructor(reason?: unknown) {
    super("RUN_CANCELLED", "the run was cancelled through its AbortSignal", { cause: reason });
  }
}

/**
 * A training run stopped because a language model could not be used: `limit` model outages in a
 * row (connection, authentication, 5xx, timeout or rate limit that survived the retries; no key or
 * provider configured) in the examples' forward passes and guides, or in the optimizer's calls.
 * `train()` reports it as reason `model-unavailable` (with this error's message); the last
 * checkpoint stays valid, so `resume()` continues once the model is reachable again.
 */
export class ModelUnavailableError extends TraceError {
  /** Ends the run: see core's `RunStopReason`. */
  override get stopsRun(): RunStopReason {
    return "outage";
  }

  /** Whose model calls failed: the examples' (agent and guide) or the optimizer's. */
  readonly source: "examples" | "optimizer";
  /** How many outages in a row stopped the run (`maxConsecutiveOutages`). */
  readonly outages: number;
  /** The last outage, as `Name: message`. */
  readonly modelError: string;

  /**
   * @param source whose model calls failed
   * @param outages the consecutive outages counted
   * @param last the last outage (kept as `cause`), or its description when only that is known
   */
  constructor(source: "examples" | "optimizer", outages: number, last: unknown) {
    const modelError = typeof last === "string" ? last : describeError(last);
    const one = outages === 1;
    const where =
      source === "examples"
        ? `${one ? "example" : "examples in a row"} failed (forward pass or guide)`
        : `${one ? "optimizer call" : "optimizer calls in a row"} failed`;
    super(
      "MODEL_UNAVAILABLE",
      `${outages} ${where} because a language model could not be used; last error: ${modelError}`,
      typeof last === "string" ? undefined : { cause: last },
    );
    this.source = source;
    this.outages = outages;
    this.modelError = modelError;
  }
}

/** A checkpoint file cannot be used: unreadable, not a trainer checkpoint, or a newer format. */
export class CheckpointError extends TraceError {
  /** The checkpoint file. */
  readonly path: string;
  /**
   * @param path the checkpoint file
   * @param problem what is wrong with it
   * @param options the underlying error as `cause`
   * @param code stable code (subclasses pass their own)
   */
  constructor(path: string, problem: string, options?: ErrorOptions, code = "CHECKPOINT_INVALID") {
    super(code, `checkpoint ${path}: ${problem}`, options);
    this.path = path;
  }
}

/** `resume()` found no checkpoint at the given path. */
export class CheckpointNotFoundError extends CheckpointError {
  /** @param path the checkpoint file that does not exist */
  constructor(path: string) {
    super(
      path,
      "does not exist; start the run with train() (or resume(config, { startIfMissing: true }))",
      undefined,
      "CHECKPOINT_NOT_FOUND",
    );
  }
}

/**
 * `train()` would overwrite the checkpoint or run log of an earlier run. Continue it with
 * `resume()`, choose other paths, or pass `overwrite: true`.
 */
export class CheckpointExistsError extends CheckpointError {
  /**
   * @param path the existing file
   * @param what `checkpoint` or `run log`
   */
  constructor(path: string, what: "checkpoint" | "run log") {
    super(
      path,
      `a ${what} of an earlier run is already there; continue that run with resume(), use another path, ` +
        "or pass overwrite: true to start over (the old files are replaced)",
      undefined,
      "CHECKPOINT_EXISTS",
    );
  }
}

/**
 * The checkpoint was written by a run that differs from the configuration given to `resume()`:
 * other parameters, another algorithm, another dataset, another seed or batch size.
 */
export class CheckpointMismatchError extends CheckpointError {
  /**
   * @param path the checkpoint file
   * @param problem what differs
   */
  constructor(path: string, problem: string) {
    super(path, `does not match this run: ${problem}`, undefined, "CHECKPOINT_MISMATCH");
  }
}

/**
 * A value saved in a checkpoint is not a valid value of its parameter (the parameter's validator
 * refuses it, as it would refuse such an update from an optimizer) — e.g. the source of a code
 * parameter edited to something that does not compile. `resume()` changes nothing.
 */
export class CheckpointValueError extends CheckpointError {
  /** The parameter's node name. */
  readonly parameter: string;
  /** Why the validator refused the value. */
  readonly reason: string;
  /**
   * @param path the checkpoint file
   * @param parameter the parameter's node name
   * @param where which saved values (`parameters`, `best`: the best parameters)
   * @param reason what the validator said
   */
  constructor(path: string, parameter: string, where: string, reason: string) {
    super(
      path,
      `the value saved for parameter ${parameter} (in ${where}) is not valid for it ` +
        `(${reason.replace(/\.$/, "")}); restore the checkpoint file or start a new run`,
      undefined,
      "CHECKPOINT_VALUE_INVALID",
    );
    this.parameter = parameter;
    this.reason = reason;
  }
}

/** A value cannot be stored in a checkpoint or run log because it is not plain JSON. */
export class NotSerializableError extends TraceError {
  /**
   * @param what which value (e.g. `parameter prompt:0`)
   * @param problem why it is not JSON
   */
  constructor(what: string, problem: string) {
    super(
      "NOT_SERIALIZABLE",
      `${what} cannot be saved as JSON: ${problem}. Checkpointed values must be strings, numbers, booleans, null, arrays or plain objects.`,
    );
  }
}

/**
 * An example run by an executor elsewhere (e.g. a BullMQ worker) met an error that stops runs:
 * `stopsRun` is the reason the worker reported (`budget`, `outage`, `cancelled`), so the trainer
 * treats it exactly like the same error thrown here. `remoteCode` is the original error's code.
 */
export class RemoteStopError extends TraceError {
  readonly #reason: RunStopReason;
  /** The stable code of the error on the worker (`LLM_RATE_LIMIT`). */
  readonly remoteCode: string;
  /** Index of the example it stopped. */
  readonly exampleIndex: number;

  /** Ends the run: the reason the worker reported. */
  override get stopsRun(): RunStopReason {
    return this.#reason;
  }

  /**
   * @param exampleIndex index of the example
   * @param reason why it stops runs
   * @param remoteCode the original error's code
   * @param description the original error as `Name: message`
   */
  constructor(exampleIndex: number, reason: RunStopReason, remoteCode: string, description: string) {
    super("TRAINER_REMOTE_STOP", `example ${exampleIndex} was stopped on a worker: ${description}`);
    this.#reason = reason;
    this.remoteCode = remoteCode;
    this.exampleIndex = exampleIndex;
  }
}

/**
 * An example run by an executor elsewhere failed in a way that is not feedback: its forward
 * function threw outside traced operations (`remoteCode` `AGENT_FAILED`) or its guide failed. A
 * local evaluation rejects for the same failures; fix the agent or the guide.
 */
export class RemoteExampleError extends TraceError {
  /** Index of the example. */
  readonly exampleIndex: number;
  /** The error's class name on the worker (`AgentError`, `GuideError`). */
  readonly remoteName: string;
  /** The error's stable code on the worker (`AGENT_FAILED`). */
  readonly remoteCode: string;

  /**
   * @param exampleIndex index of the example
   * @param remoteName the error's class name on the worker
   * @param remoteCode its code
   * @param message its message
   */
  constructor(exampleIndex: number, remoteName: string, remoteCode: string, message: string) {
    super(
      "TRAINER_REMOTE_EXAMPLE_FAILED",
      `example ${exampleIndex} failed on a worker with ${remoteName} (${remoteCode}): ${message}`,
    );
    this.exampleIndex = exampleIndex;
    this.remoteName = remoteName;
    this.remoteCode = remoteCode;
  }
}

/**
 * Parameter values sent to a worker do not fit the worker's agent: a name it has no parameter
 * of, or a parameter of its agent the values leave out. The worker's agent must be built by the
 * same code as the one being trained or evaluated.
 */
export class RemoteParameterError extends TraceError {
  /** @param message which names do not match */
  constructor(message: string) {
    super("TRAINER_REMOTE_PARAMETERS", message);
  }
}
