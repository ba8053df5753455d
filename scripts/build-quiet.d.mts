// Types of scripts/build-quiet.mjs, for the TypeScript tests that import it.

export function buildNotice(state: "first" | "changed" | undefined): string | undefined;
export function buildQuiet(root?: string, write?: (line: string) => void): number;
