/**
 * `@trace-ts/viewer`: a local, offline viewer of trace-ts run logs (`trace-ts view <path>`), and a
 * self-contained HTML export of them.
 */
export {
  ViewerAssetsMissingError,
  ViewerExportExistsError,
  ViewerPathError,
  ViewerRemoteHostError,
} from "./errors.js";
export { type ExportOptions, type ExportResult, exportReport } from "./export/export.js";
export { DEFAULT_READ_LIMITS, type ReadLimits } from "./read/limits.js";
export { type RunningViewer, startViewer, type ViewerOptions } from "./server/viewer.js";
