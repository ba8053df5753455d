import { describe, it } from "@jest/globals";
import { type ConformanceAdapter, optimizerConformanceChecks } from "@trace-ts/core/testing";
import { OptoPrime, OptoPrimeMulti } from "@trace-ts/optoprime";

const suggestion = (values: Readonly<Record<string, unknown>>) =>
  JSON.stringify({ reasoning: "Following the feedback.", answer: "", suggestion: values });

/**
 * OptoPrime makes one kind of call and reads JSON `{reasoning, answer, suggestion}`. Memory is on
 * so that the state round trip carries real data.
 */
const optoPrime: ConformanceAdapter = {
  name: "OptoPrime",
  create: (parameters, model, { maxRetries }) =>
    new OptoPrime(parameters, { model, maxRetries, memorySize: 2 }),
  suggest: (_request, values) => suggestion(values),
  malformed: () => "I am not sure what to change.",
};

/**
 * OptoPrimeMulti asks two candidates (`candidate 1`, `candidate 2`) and, by default, takes the
 * last usable one without another call.
 */
const optoPrimeMulti: ConformanceAdapter = {
  name: "OptoPrimeMulti",
  create: (parameters, model, { maxRetries }) =>
    new OptoPrimeMulti(parameters, { model, maxRetries, memorySize: 2, candidates: 2 }),
  suggest: (_request, values) => suggestion(values),
  malformed: () => "I am not sure what to change.",
};

/**
 * OptoPrimeMulti with `selection: "model"`: when the candidates differ it makes a selection call
 * (`select`), answered with the first candidate.
 */
const optoPrimeMultiByModel: ConformanceAdapter = {
  name: "OptoPrimeMulti (selection: model)",
  create: (parameters, model, { maxRetries }) =>
    new OptoPrimeMulti(parameters, { model, maxRetries, memorySize: 2, candidates: 2, selection: "model" }),
  suggest: (request, values) =>
    request.purpose?.startsWith("select")
      ? JSON.stringify({ reasoning: "The first one is fine.", choice: 1 })
      : suggestion(values),
  malformed: () => "I am not sure what to change.",
};

for (const adapter of [optoPrime, optoPrimeMulti, optoPrimeMultiByModel]) {
  describe(`${adapter.name} conformance`, () => {
    for (const check of optimizerConformanceChecks(adapter)) it(check.name, check.run);
  });
}
