import type { ExceptionNode } from "../graph/node.js";
import { TraceError } from "./trace-error.js";

/**
 * A traced operation (an `ops` function, a bundled function, `callLLM`) threw. The error is also
 * recorded in the graph as `exceptionNode`, whose parents are the operation's inputs, so it can be
 * sent backward as feedback:
 *
 * ```ts
 * try { out = agent.run(x); }
 * catch (e) { if (!(e instanceof ExecutionError)) throw e; out = e.exceptionNode; }
 * optimizer.backward(out, out instanceof ExceptionNode ? out.errorFeedback() : feedbackFor(out));
 * ```
 */
export class ExecutionError extends TraceError {
  /** The graph node describing the failure. */
  readonly exceptionNode: ExceptionNode;

  /**
   * @param exceptionNode the node recording the failure
   * @param cause the original error
   */
  constructor(exceptionNode: ExceptionNode, cause: unknown) {
    super("EXECUTION_ERROR", `${exceptionNode.op} failed: ${exceptionNode._data}`, { cause });
    this.exceptionNode = exceptionNode;
  }
}
