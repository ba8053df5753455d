import type { GenerateRequest } from "@trace-ts/core";

/** What a TextGrad model request asks for (see `textGradRequestInfo`). */
export type TextGradRequestInfo =
  | {
      /** How `parent` should change to improve `child`. */
      readonly kind: "gradient";
      /** Key of the operation's output. */
      readonly child: string;
      /** Key of the input the gradient is for. */
      readonly parent: string;
    }
  | {
      /** Merge several gradients of `key` into one (only with `mergeOverTokens`, over the budget). */
      readonly kind: "combine";
      /** Key of the node. */
      readonly key: string;
    }
  | {
      /** The new value of the variable `key`. */
      readonly kind: "update";
      /** Key of the variable. */
      readonly key: string;
    };

/**
 * Tells which TextGrad call a request is, from its `purpose` (`gradient <child> -> <parent>`,
 * `combine <key>`, `update <key>`, with ` (retry N)` on re-asks); for scripting test models
 * (`ScriptedModel`) and for logs. Returns undefined for requests without a TextGrad purpose.
 */
export function textGradRequestInfo(request: GenerateRequest): TextGradRequestInfo | undefined {
  const purpose = request.purpose?.replace(/ \(retry \d+\)$/, "");
  if (purpose === undefined) return undefined;
  const gradient = /^gradient (.+) -> (.+)$/.exec(purpose);
  if (gradient) return { kind: "gradient", child: gradient[1]!, parent: gradient[2]! };
  const keyed = /^(combine|update) (.+)$/.exec(purpose);
  if (keyed) return { kind: keyed[1] as "combine" | "update", key: keyed[2]! };
  return undefined;
}
