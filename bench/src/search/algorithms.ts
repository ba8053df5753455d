/**
 * The algorithms the search benchmark compares, each with its default options. The ones being
 * added to @trace-ts/trainer (`prioritySearch`, `streamingPrioritySearch`, `paretoSearch`) are
 * looked up on the package at run time and listed as missing until it exports them.
 */
import { type Algorithm, beamSearch, bestOfN, minibatch, ucbSearch } from "@trace-ts/trainer";

/** One algorithm of the comparison. */
export interface AlgorithmEntry {
  /** Row label. */
  readonly name: string;
  /** A fresh algorithm object (one per run). */
  readonly make: () => Algorithm;
}

/** The algorithms available in this build, and the names of those that are not. */
export interface AlgorithmList {
  /** Available algorithms, in table order. */
  readonly entries: readonly AlgorithmEntry[];
  /** Factories @trace-ts/trainer does not export (yet). */
  readonly missing: readonly string[];
}

/** Factories looked up on @trace-ts/trainer by name: row label and export name. */
const LATER: readonly (readonly [label: string, exportName: string])[] = [
  ["prioritySearch()", "prioritySearch"],
  ["streamingPrioritySearch()", "streamingPrioritySearch"],
  ["paretoSearch()", "paretoSearch"],
];

/** The benchmark's algorithms: the shipped ones, then those of `LATER` the package exports. */
export async function searchAlgorithms(): Promise<AlgorithmList> {
  const entries: AlgorithmEntry[] = [
    { name: "minibatch()", make: () => minibatch() },
    { name: "minibatch({ keepIfImproves })", make: () => minibatch({ keepIfImproves: true }) },
    { name: "bestOfN()", make: () => bestOfN() },
    { name: "beamSearch()", make: () => beamSearch() },
    { name: "ucbSearch()", make: () => ucbSearch() },
  ];
  const trainer: Readonly<Record<string, unknown>> = await import("@trace-ts/trainer");
  const missing: string[] = [];
  for (const [name, exportName] of LATER) {
    const factory = trainer[exportName];
    if (typeof factory === "function") entries.push({ name, make: () => (factory as () => Algorithm)() });
    else missing.push(exportName);
  }
  return { entries, missing };
}
