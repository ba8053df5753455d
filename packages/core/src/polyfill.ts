// Node 20 has no Symbol.metadata; TC39 stage-3 decorators need it for `context.metadata`.
// Symbol.for gives the same key swc falls back to, so compiled (tsc) and test (swc) code agree.
(Symbol as { metadata?: symbol }).metadata ??= Symbol.for("Symbol.metadata");

export {};
