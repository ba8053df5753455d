// `node --import <repo>/scripts/ts-loader/register.mjs child.ts`: installs ./hooks.mjs.
import { register } from "node:module";

register("./hooks.mjs", import.meta.url);
