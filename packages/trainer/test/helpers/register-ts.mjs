// `node --import ./register-ts.mjs script.ts`: installs the TypeScript loader of ./ts-loader.mjs.
import { register } from "node:module";

register("./ts-loader.mjs", import.meta.url);
