/**
 * Repairing a buggy function from test feedback: `npm run example:repair`.
 * With TRACE_MODEL set that model is used; otherwise responses are scripted (the first output
 * line says so).
 */
import "../exit-on-outage.js";
import { languageModelFromEnv } from "@trace-ts/core";
import { scriptedRepairModel } from "./scripted.js";
import { repairMedian } from "./train.js";

if (process.env.TRACE_MODEL) {
  const model = await languageModelFromEnv();
  console.log(`Using ${model.provider}:${model.modelId} (TRACE_MODEL).`);
  await repairMedian({ model });
} else {
  console.log("No TRACE_MODEL set: model responses are SCRIPTED (no language model is called).");
  await repairMedian({ model: scriptedRepairModel });
}
