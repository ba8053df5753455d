/**
 * A tiny LangChain chat model for tests: it records the messages and call options of every call
 * and answers with scripted `AIMessage`s; `bindTools` binds the tools as a call option, as
 * `ChatOpenAI` does.
 */

import type { BaseLanguageModelInput } from "@langchain/core/language_models/base";
import type { BaseChatModelCallOptions, BindToolsInput } from "@langchain/core/language_models/chat_models";
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, type AIMessageChunk, type BaseMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import type { Runnable } from "@langchain/core/runnables";

/** Call options of {@link RecordingChatModel}. */
export interface RecordingCallOptions extends BaseChatModelCallOptions {
  /** Tools bound with `bindTools`. */
  readonly tools?: readonly BindToolsInput[];
  /** Any other option the adapter passes. */
  readonly [other: string]: unknown;
}

/** One recorded call. */
export interface RecordedCall {
  readonly messages: readonly BaseMessage[];
  readonly options: Readonly<Record<string, unknown>>;
}

/** Records calls; answers with `replies` in turn (the last one repeats). */
export class RecordingChatModel extends BaseChatModel<RecordingCallOptions> {
  readonly calls: RecordedCall[];
  readonly replies: readonly (AIMessage | (() => AIMessage))[];
  readonly model = "recording-1";

  constructor(replies: readonly (AIMessage | (() => AIMessage))[], calls: RecordedCall[] = []) {
    super({});
    this.replies = replies;
    this.calls = calls;
  }

  _llmType(): string {
    return "recording";
  }

  override bindTools(
    tools: BindToolsInput[],
    kwargs?: Partial<RecordingCallOptions>,
  ): Runnable<BaseLanguageModelInput, AIMessageChunk, RecordingCallOptions> {
    return this.withConfig({ tools, ...kwargs } as Partial<RecordingCallOptions>) as unknown as Runnable<
      BaseLanguageModelInput,
      AIMessageChunk,
      RecordingCallOptions
    >;
  }

  async _generate(messages: BaseMessage[], options: this["ParsedCallOptions"]): Promise<ChatResult> {
    const { signal: _signal, ...rest } = options as Record<string, unknown>;
    this.calls.push({ messages, options: rest });
    const next = this.replies[Math.min(this.calls.length - 1, this.replies.length - 1)];
    const message = typeof next === "function" ? next() : (next ?? new AIMessage(""));
    return { generations: [{ message, text: message.text }] };
  }
}
