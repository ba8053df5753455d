/** Errors of the page. */

/**
 * The page could not get its data: an API request failed, or the embedded data is unusable. It
 * has a stable `code` like trace-ts's errors; it does not extend `TraceError` because the page does
 * not bundle `@trace-ts/core`.
 */
export class ViewerDataError extends Error {
  /** Stable code: `VIEWER_DATA`. */
  readonly code = "VIEWER_DATA";

  /** @param message what failed, for the problem box */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ViewerDataError";
  }
}
