import { describe, it } from "@jest/globals";
import { formatValue } from "@trace-ts/core/optimizer";
import { type ConformanceAdapter, optimizerConformanceChecks } from "@trace-ts/core/testing";
import { TextGrad, textGradRequestInfo } from "@trace-ts/textgrad";

/** Gradient and combining calls get a sentence; update calls get the scripted value in tags. */
const adapter: ConformanceAdapter = {
  name: "TextGrad",
  create: (parameters, model, { maxRetries }) => new TextGrad(parameters, { model, maxRetries }),
  suggest(request, values) {
    const info = textGradRequestInfo(request);
    if (info === undefined) return new Error("not a TextGrad request");
    if (info.kind !== "update") return "Change it the way the feedback asks.";
    if (!(info.key in values)) return new Error(`no scripted value for ${info.key}`);
    return `It should change.\n<new_value>\n${formatValue(values[info.key])}\n</new_value>`;
  },
  malformed: (request) =>
    textGradRequestInfo(request)?.kind === "update" ? "I would keep it as it is." : "  ",
};

describe("TextGrad conformance", () => {
  for (const check of optimizerConformanceChecks(adapter)) it(check.name, check.run);
});
