/**
 * Optimizing a numeric parameter with OptoPrime: `npm run example:numeric`.
 * With TRACE_MODEL set that model is used; otherwise responses are scripted (the first output
 * line says so).
 */
import "../exit-on-outage.js";
import { languageModelFromEnv } from "@trace-ts/core";
import { scriptedRateModel } from "./scripted.js";
import { trainRate } from "./train.js";

if (process.env.TRACE_MODEL) {
  const model = await languageModelFromEnv();
  console.log(`Using ${model.provider}:${model.modelId} (TRACE_MODEL).`);
  await trainRate({ model });
} else {
  console.log("No TRACE_MODEL set: model responses are SCRIPTED (no language model is called).");
  await trainRate({ model: scriptedRateModel });
}
