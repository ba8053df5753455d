/** Where the BBH example finds its shipped sample, from the sources and from the build alike. */
import { fileURLToPath } from "node:url";

/**
 * examples/data/bbh-sample/, resolved from this file: examples/src/bbh/ (test loader) and
 * examples/dist/bbh/ (build) are both two levels below examples/.
 */
export const SAMPLE_DIR: string = fileURLToPath(new URL("../../data/bbh-sample/", import.meta.url));
