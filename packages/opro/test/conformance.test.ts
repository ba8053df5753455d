import { describe, it } from "@jest/globals";
import { formatValue } from "@trace-ts/core/optimizer";
import { type ConformanceAdapter, optimizerConformanceChecks } from "@trace-ts/core/testing";
import { isOproRequest, Opro, valueBlock } from "@trace-ts/opro";

/** OPRO makes one kind of call: answer it with one value block per scripted key. */
const adapter: ConformanceAdapter = {
  name: "OPRO",
  create: (parameters, model, { maxRetries }) => new Opro(parameters, { model, maxRetries }),
  suggest(request, values) {
    if (!isOproRequest(request)) return new Error("not an OPRO request");
    const blocks = Object.entries(values).map(([key, value]) => valueBlock(key, formatValue(value)));
    return `The best solution can still improve.\n${blocks.join("\n")}`;
  },
  malformed: () => "I would try something different next time.",
};

describe("OPRO conformance", () => {
  for (const check of optimizerConformanceChecks(adapter)) it(check.name, check.run);
});
