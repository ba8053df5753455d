import type { GenerateRequest } from "@trace-ts/core";

/**
 * The `purpose` of `Opro`'s requests: `propose solution`, and `propose solution (retry N)` for
 * re-asks. It differs from other optimizers' purposes (OptoPrime's is `propose`), so one scripted
 * model can serve several optimizers.
 */
export const OPRO_PURPOSE = "propose solution";

const RETRY = /^propose solution \(retry \d+\)$/;

/**
 * Whether a model request is one `Opro` makes (its `purpose` is `propose solution` or
 * `propose solution (retry N)`); for scripting test models (`ScriptedModel`) and for logs. The
 * prompt text is not read.
 *
 * @param request the request a model received
 */
export function isOproRequest(request: GenerateRequest): boolean {
  const purpose = request.purpose;
  return purpose === OPRO_PURPOSE || (purpose !== undefined && RETRY.test(purpose));
}
