// Fails when the committed generated types or dist/ bundle are not what the sources make:
// a contract change without `npm run gen`, or a source change without `npm run build`.
// Also type-checks the sources (tsc strict).
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { generate, outPath } from "./gen-types.mjs";
import { options } from "./build.mjs";

let stale = false;
if (readFileSync(outPath, "utf8") !== generate()) {
  console.error("src/records.gen.ts is stale: run npm run gen (in mobile-api/js)");
  stale = true;
}
const res = await build({ ...options, write: false, outfile: "fieldsync.js" });
const dist = fileURLToPath(new URL("../dist/fieldsync.js", import.meta.url));
if (readFileSync(dist, "utf8") !== res.outputFiles[0].text) {
  console.error("dist/fieldsync.js is stale: run npm run build (in mobile-api/js)");
  stale = true;
}
execFileSync("npx", ["tsc", "--noEmit", "-p", fileURLToPath(new URL("..", import.meta.url))], { stdio: "inherit" });
if (stale) process.exit(1);
console.log("generated types and dist/ are current; tsc strict passes");
