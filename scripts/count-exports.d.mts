/** The sorted names a TypeScript entry file exports (values and types). */
export function exportedNames(entry: string): string[];
