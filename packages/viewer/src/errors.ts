/**
 * The errors the viewer throws on purpose. Each has a stable `code` (see `TraceError`).
 */
import { TraceError } from "@trace-ts/core";

/** The page's bundled files (`app.js`, `app.css`) are not where the viewer looks for them. */
export class ViewerAssetsMissingError extends TraceError {
  /** The folder that was searched. */
  readonly assetsDir: string;
  /** The file that is missing. */
  readonly file: string;

  /**
   * @param assetsDir the folder searched
   * @param file the missing file's name
   */
  constructor(assetsDir: string, file: string) {
    super(
      "VIEWER_ASSETS_MISSING",
      `the viewer's page file ${file} is missing from ${assetsDir}; run \`npm run build\` in ` +
        "packages/viewer (or at the repository root) to build the page.",
    );
    this.assetsDir = assetsDir;
    this.file = file;
  }
}

/** A path given to the viewer does not exist or cannot be read. */
export class ViewerPathError extends TraceError {
  /** The path as given. */
  readonly path: string;

  /**
   * @param path the path as given
   * @param reason what is wrong with it
   * @param options standard `ErrorOptions` (`cause`)
   */
  constructor(path: string, reason: string, options?: ErrorOptions) {
    super("VIEWER_PATH", `cannot show ${path}: ${reason}`, options);
    this.path = path;
  }
}

/** The viewer was asked to listen on an address other than loopback without `allowRemote`. */
export class ViewerRemoteHostError extends TraceError {
  /** The host asked for. */
  readonly host: string;

  /** @param host the host asked for */
  constructor(host: string) {
    super(
      "VIEWER_REMOTE_HOST",
      `refusing to listen on ${host}: it is not a loopback address, so other machines could read ` +
        "your runs. Pass allowRemote: true (--allow-remote) if that is what you want.",
    );
    this.host = host;
  }
}

/** A static export would replace an existing file. */
export class ViewerExportExistsError extends TraceError {
  /** The file that exists. */
  readonly out: string;

  /** @param out the file that exists */
  constructor(out: string) {
    super(
      "VIEWER_EXPORT_EXISTS",
      `${out} already exists; choose another file, or pass overwrite: true (--force) to replace it.`,
    );
    this.out = out;
  }
}
