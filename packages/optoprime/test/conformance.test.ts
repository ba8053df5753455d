import { describe, it } from "@jest/globals";
import { type ConformanceAdapter, optimizerConformanceChecks } from "@trace-ts/core/testing";
import { OptoPrime } from "@trace-ts/optoprime";

/**
 * OptoPrime makes one kind of call and reads JSON `{reasoning, answer, suggestion}`. Memory is on
 * so that the state round trip carries real data.
 */
const adapter: ConformanceAdapter = {
  name: "OptoPrime",
  create: (parameters, model, { maxRetries }) =>
    new OptoPrime(parameters, { model, maxRetries, memorySize: 2 }),
  suggest: (_request, values) =>
    JSON.stringify({ reasoning: "Following the feedback.", answer: "", suggestion: values }),
  malformed: () => "I am not sure what to change.",
};

describe("OptoPrime conformance", () => {
  for (const check of optimizerConformanceChecks(adapter)) it(check.name, check.run);
});
