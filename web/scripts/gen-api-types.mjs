// Generates src/api/schema.d.ts (the typed client's types) from the server's own OpenAPI document,
// printed by `atelier openapi`. With --check it writes nothing and fails when the committed file
// differs from what the server's document gives: the drift check CI runs.
//
// The binary: $ATELIER_BIN, else ../build/atelier.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";

const web = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const target = join(web, "src", "api", "schema.d.ts");
const bin = process.env.ATELIER_BIN ?? join(web, "..", "build", "atelier");
const check = process.argv.includes("--check");

if (!existsSync(bin)) {
  console.error(`error: no atelier binary at ${bin}; build it or set ATELIER_BIN`);
  process.exit(2);
}
const doc = JSON.parse(execFileSync(bin, ["openapi"], { encoding: "utf8" }));
const header =
  "// Generated from the server's OpenAPI document by scripts/gen-api-types.mjs: do not edit.\n" +
  "// `npm run gen:api` rewrites it; `npm run check:api` fails when it drifts.\n";
const generated = header + astToString(await openapiTS(doc, { emptyObjectsUnknown: true }));

if (check) {
  const committed = existsSync(target) ? readFileSync(target, "utf8") : "";
  if (committed !== generated) {
    console.error(
      "error: web/src/api/schema.d.ts differs from the server's OpenAPI document; " +
        "run `npm run gen:api` in web/ and commit the result",
    );
    process.exit(1);
  }
  console.log("api types match the server's OpenAPI document");
} else {
  writeFileSync(target, generated);
  console.log(`wrote ${target}`);
}
