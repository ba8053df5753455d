/**
 * Scripted optimizer answers for running the Battleship example without a language model. They
 * are written in OptoPrime's JSON answer format and chosen from the policy's current code, in a
 * fixed order:
 *
 * 1. while `act` is still the empty starting code: a naive policy (scan row by row, left to
 *    right);
 * 2. while the naive code is in force, the first time: a hunt/target policy with a bug (`reason`
 *    returns `target` but `act` reads `targets`), which throws on every move — the evaluation
 *    scores it worse, the trainer reverts it, and the next feedback says so;
 * 3. while the naive code is in force again: the hunt/target policy fixed (shoot the unknown
 *    neighbours of hits, lines first; otherwise hunt on a checkerboard);
 * 4. afterwards: no change (TERMINATE).
 *
 * So the scripted run exercises the mechanics — suggestions parsed and applied as code, errors and
 * results flowing back as feedback, reverting, the run log — and says nothing about how well a
 * real model would optimize the policy.
 */
import type { GenerateRequest, ParameterNode } from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import { optoPrimeRequestInfo } from "@trace-ts/optoprime";

/** The policy's code parameters, by method. */
export interface PolicyCode {
  readonly reason: ParameterNode;
  readonly act: ParameterNode;
}

/** `reason` of the naive policy: counts what the map shows. */
export const NAIVE_REASON = `reason(map) {
  let unknown = 0;
  let hits = 0;
  for (const row of map) {
    for (const cell of row) {
      if (cell === ".") unknown++;
      else if (cell === "X") hits++;
    }
  }
  return { unknown, hits };
}`;

/** `act` of the naive policy: the first cell not shot yet, row by row, left to right. */
export const NAIVE_ACT = `act(map, plan) {
  // Scan row by row, left to right: shoot the first cell not shot yet.
  for (let r = 0; r < map.length; r++) {
    const c = map[r].indexOf(".");
    if (c !== -1) return [r, c];
  }
  return [0, 0];
}`;

/** `reason` of the hunt/target policy: unknown neighbours of hits, those in line with a hit first. */
export const HUNT_REASON = `reason(map) {
  // Target mode: unknown cells next to a hit; cells that extend a line of hits come first.
  const size = map.length;
  const isAt = (r, c, ch) => r >= 0 && r < size && c >= 0 && c < size && map[r][c] === ch;
  const scored = [];
  const seen = new Set();
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      if (map[r][c] !== "X") continue;
      for (const [dr, dc] of [[-1, 0], [1, 0], [0, -1], [0, 1]]) {
        const nr = r + dr;
        const nc = c + dc;
        if (!isAt(nr, nc, ".") || seen.has(nr * size + nc)) continue;
        seen.add(nr * size + nc);
        scored.push({ cell: [nr, nc], score: isAt(r - dr, c - dc, "X") ? 2 : 1 });
      }
    }
  }
  scored.sort((a, b) => b.score - a.score);
  return { targets: scored.map((s) => s.cell) };
}`;

/** `reason` of the buggy hunt/target attempt: names the field `target`, which `act` does not read. */
export const BUGGY_HUNT_REASON = HUNT_REASON.replace("return { targets:", "return { target:");

/** `act` of the hunt/target policy: first target, else a checkerboard cell, else any unknown cell. */
export const HUNT_ACT = `act(map, plan) {
  // Finish ships around hits first; otherwise hunt on a checkerboard (every ship covers one of its cells).
  if (plan.targets.length > 0) return plan.targets[0];
  for (const parity of [0, 1]) {
    for (let r = 0; r < map.length; r++) {
      for (let c = 0; c < map[r].length; c++) {
        if ((r + c) % 2 === parity && map[r][c] === ".") return [r, c];
      }
    }
  }
  return [0, 0];
}`;

function answer(reasoning: string, suggestion: Readonly<Record<string, string>>): string {
  return JSON.stringify({ reasoning, answer: "", suggestion });
}

/**
 * The scripted optimizer model: answers each OptoPrime request from the policy's current code (see
 * the module comment). Requests of other optimizers get a note that only OptoPrime is scripted.
 * @param code the policy's code parameters
 */
export function scriptedBattleshipModel(code: PolicyCode): ScriptedModel {
  let buggyProposed = false;
  return new ScriptedModel(
    (request: GenerateRequest) => {
      if (optoPrimeRequestInfo(request) === undefined) {
        return "The scripted responses of the Battleship example only answer OptoPrime.";
      }
      const act = String(code.act.data);
      const naive = act.includes("Scan row by row");
      if (act.includes("not implemented")) {
        return answer(
          "act throws 'not implemented', so no shot is ever fired. Start with a simple legal policy: reason counts the cells, act shoots the first cell still marked '.', scanning row by row.",
          { [code.reason.key]: NAIVE_REASON, [code.act.key]: NAIVE_ACT },
        );
      }
      if (naive && !buggyProposed) {
        buggyProposed = true;
        return answer(
          "Scanning row by row ignores hits: after a hit the neighbouring cells are the likeliest ship cells. Let reason list the unknown neighbours of hits and act shoot them first, hunting on a checkerboard otherwise.",
          { [code.reason.key]: BUGGY_HUNT_REASON, [code.act.key]: HUNT_ACT },
        );
      }
      if (naive) {
        return answer(
          "The hunt/target change was reverted: act read plan.targets but reason returned the list under the name 'target', so every move threw a TypeError. Return it as 'targets'.",
          { [code.reason.key]: HUNT_REASON, [code.act.key]: HUNT_ACT },
        );
      }
      return JSON.stringify({
        reasoning: "The policy already targets the neighbours of hits and hunts on a checkerboard. TERMINATE",
        answer: "TERMINATE",
        suggestion: {},
      });
    },
    { modelId: "scripted-battleship-optimizer" },
  );
}
