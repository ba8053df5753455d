/**
 * The greeting agent, trained end to end (the main demo: `npm run demo`).
 *
 * The agent greets users by name. It starts out wrong for English speakers: `decideLang` is empty
 * and `greet` always says "Hola". Each epoch runs the agent on an English and a Spanish query,
 * checks the greeting's language, sends each result's feedback backward (errors included: an
 * ExecutionError's exception node gets the error as feedback) and lets OptoPrime rewrite the
 * prompts and the code.
 *
 * With TRACE_MODEL set (e.g. `TRACE_MODEL=openai:gpt-4o-mini` and OPENAI_API_KEY), that model is
 * used for the agent and the optimizer. Without it, responses are scripted and the first line of
 * output says so.
 */
import "../exit-on-outage.js";
import { languageModelFromEnv } from "@trace-ts/core";
import { scriptedGreetingModel } from "./scripted.js";
import { agentCode, trainGreetingAgent } from "./train.js";

if (process.env.TRACE_MODEL) {
  const model = await languageModelFromEnv();
  console.log(`Using ${model.provider}:${model.modelId} (TRACE_MODEL) for the agent and the optimizer.`);
  await trainGreetingAgent({ model });
} else {
  console.log("No TRACE_MODEL set: model responses are SCRIPTED (no language model is called).");
  await trainGreetingAgent({ model: (agent) => scriptedGreetingModel(agentCode(agent)) });
}
