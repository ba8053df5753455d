/**
 * What a tool of `callLLM` is (contract v2). `tool()` (in `bundle/tool.ts`) makes one from a
 * bundled function or a plain function.
 */
import type { MaybeNode } from "../graph/node.js";
import type { ToolCall } from "../llm/types.js";

/** What a tool's `run` receives besides the arguments. */
export interface ToolRunContext {
  /** The call being answered (id, name and the arguments as the model wrote them). */
  readonly call: ToolCall;
  /** The `signal` given to `callLLM`, to stop long-running work when the run is cancelled. */
  readonly signal: AbortSignal | undefined;
}

/**
 * A tool the model may call inside `callLLM`. `description` may be a trainable node: it becomes
 * an input of the answer (`tools.<name>.description`), so feedback reaches it. `run` may return a
 * plain value, a node (a traced result: it becomes an input of the answer, `toolResult<i>`), or a
 * promise of either; its result is sent back to the model as text (strings as they are, other
 * values as JSON). An error it throws is sent back as text too, unless it ends the run
 * (cancellation, budget: see `findStopError`).
 */
export interface LLMTool {
  /** The name the model calls it by (letters, digits, `_` and `-`, at most 64 characters). */
  readonly name: string;
  /** What the tool does and when to use it; a node holding the text may be trainable. */
  readonly description: MaybeNode<string>;
  /** JSON Schema of the arguments object (`{ type: "object", properties, required }`). */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** Runs the tool on the parsed (and checked) arguments. */
  run(args: Readonly<Record<string, unknown>>, context: ToolRunContext): unknown;
}
