import type { GenerateRequest } from "@trace-ts/core";

/** Which OptoPrime (or OptoPrimeMulti) call a request is (see `optoPrimeRequestInfo`). */
export type OptoPrimeRequestInfo =
  | {
      /** OptoPrime's proposal (`purpose: "propose"`). */
      readonly kind: "propose";
      /** 0 for the first ask, N for the N-th re-ask. */
      readonly retry: number;
    }
  | {
      /** One of OptoPrimeMulti's candidates (`purpose: "candidate N"`). */
      readonly kind: "candidate";
      /** The candidate's 1-based number. */
      readonly index: number;
      /** 0 for the first ask, N for the N-th re-ask. */
      readonly retry: number;
    }
  | {
      /** OptoPrimeMulti's selection among candidates (`purpose: "select"`). */
      readonly kind: "select";
      /** Always 0: the selection is asked once. */
      readonly retry: number;
    };

const PURPOSE = /^(propose|select|candidate (\d+))(?: \(retry (\d+)\))?$/;

/**
 * Tells which OptoPrime call a request is from its `purpose` (the prompt is not read), for
 * scripting test models (`ScriptedModel`) and for logs; undefined for requests OptoPrime did not
 * make (other optimizers use other purposes, e.g. OPRO `propose solution`).
 *
 * @param request the request a model received
 */
export function optoPrimeRequestInfo(request: GenerateRequest): OptoPrimeRequestInfo | undefined {
  const m = request.purpose === undefined ? null : PURPOSE.exec(request.purpose);
  if (m === null) return undefined;
  const retry = m[3] === undefined ? 0 : Number(m[3]);
  if (m[1] === "propose") return { kind: "propose", retry };
  if (m[1] === "select") return { kind: "select", retry };
  return { kind: "candidate", index: Number(m[2]), retry };
}
