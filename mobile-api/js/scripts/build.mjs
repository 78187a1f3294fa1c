// Bundles src/ into dist/fieldsync.js (ESM, idb inlined), committed so that nothing
// downstream (the Go server embedding it) needs Node.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

export const options = {
  entryPoints: [fileURLToPath(new URL("../src/index.ts", import.meta.url))],
  bundle: true,
  format: "esm",
  target: ["es2020", "chrome80", "safari14"],
  platform: "neutral",
  legalComments: "inline",
  logLevel: "warning",
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await build({ ...options, outfile: fileURLToPath(new URL("../dist/fieldsync.js", import.meta.url)) });
}
