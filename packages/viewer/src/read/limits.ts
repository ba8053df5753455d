/** Size caps of the log reader. */

/** Bounds on what the viewer reads from one file. */
export interface ReadLimits {
  /** Largest file read, in bytes (beyond it a `too-large` problem; default 256 MiB). */
  readonly maxFileBytes: number;
  /** Longest line read, in bytes (beyond it a `too-large` problem; default 16 MiB). */
  readonly maxLineBytes: number;
}

/** The default caps: 256 MiB per file, 16 MiB per line. */
export const DEFAULT_READ_LIMITS: ReadLimits = {
  maxFileBytes: 256 * 1024 * 1024,
  maxLineBytes: 16 * 1024 * 1024,
};

/**
 * The caps with defaults filled in.
 *
 * @param limits caps given by the caller, if any
 */
export function readLimits(limits?: Partial<ReadLimits>): ReadLimits {
  return { ...DEFAULT_READ_LIMITS, ...limits };
}
