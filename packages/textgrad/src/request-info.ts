import type { GenerateRequest } from "@trace-ts/core";
import { TITLES } from "./prompts.js";

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
      /** Merge several gradients of `key` into one. */
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
 * Tells which TextGrad call a request is, from the title line of its first user message; for
 * scripting test models (`ScriptedModel`) and for logs. Re-asks carry the original message, so
 * they are recognized too. Returns undefined for requests TextGrad did not make.
 */
export function textGradRequestInfo(request: GenerateRequest): TextGradRequestInfo | undefined {
  const first = request.messages.find((m) => m.role === "user")?.content ?? "";
  const title = first.split("\n", 1)[0]!.trim();
  if (title.startsWith(`${TITLES.gradient} `)) {
    const m = /^(\S+) through (\S+)$/.exec(title.slice(TITLES.gradient.length + 1));
    return m ? { kind: "gradient", parent: m[1]!, child: m[2]! } : undefined;
  }
  if (title.startsWith(`${TITLES.combine} `)) {
    return { kind: "combine", key: title.slice(TITLES.combine.length + 1).trim() };
  }
  if (title.startsWith(`${TITLES.update} `)) {
    return { kind: "update", key: title.slice(TITLES.update.length + 1).trim() };
  }
  return undefined;
}
