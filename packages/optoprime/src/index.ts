/** Placeholder until this package is implemented. */
export const PACKAGE_NAME = "@trace-ts/optoprime";
