/**
 * An AI SDK-style agent trained by OptoPrime: `npm run example:ai-sdk`.
 *
 * Without TRACE_MODEL the responses are SCRIPTED (the first output line says so): the agent's
 * model is the AI SDK's `MockLanguageModelV3`, the optimizer's a `ScriptedModel`. With TRACE_MODEL
 * (e.g. `TRACE_MODEL=openai:gpt-4o-mini` and OPENAI_API_KEY) that model is used for both; an
 * OpenAI model or a server at TRACE_BASE_URL is reached through the AI SDK's OpenAI-compatible
 * provider, so the agent runs on an AI SDK model.
 */
import "../exit-on-outage.js";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import type { AISDKLanguageModel } from "@trace-ts/ai-sdk";
import { type LanguageModel, languageModelFromEnv } from "@trace-ts/core";
import { scriptedAgentModel, scriptedOptimizerModel } from "./scripted.js";
import { trainSupportAgent } from "./train.js";

const spec = process.env.TRACE_MODEL;
if (spec) {
  const optimizerModel = await languageModelFromEnv();
  let agentModel: LanguageModel | AISDKLanguageModel = optimizerModel;
  const baseURL = process.env.TRACE_BASE_URL;
  if (baseURL !== undefined || spec.startsWith("openai:")) {
    const provider = createOpenAICompatible({
      name: baseURL === undefined ? "openai" : "openai-compatible",
      baseURL: baseURL ?? "https://api.openai.com/v1",
      ...(process.env.OPENAI_API_KEY ? { apiKey: process.env.OPENAI_API_KEY } : {}),
    });
    agentModel = provider.chatModel(spec.replace(/^openai:/, ""));
  }
  console.log(
    `Using ${agentModel.provider}:${agentModel.modelId} (TRACE_MODEL) for the agent and ` +
      `${optimizerModel.provider}:${optimizerModel.modelId} for the optimizer.`,
  );
  await trainSupportAgent({ agentModel, optimizerModel });
} else {
  console.log("No TRACE_MODEL set: model responses are SCRIPTED (no language model is called).");
  await trainSupportAgent({
    agentModel: scriptedAgentModel(),
    optimizerModel: (agent) => scriptedOptimizerModel(agent.system, agent.orderStatus.parameter!),
  });
}
