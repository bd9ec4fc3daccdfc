// End-to-end tests in a real browser: Debian's Chromium driven by playwright-core against a real
// `atelier serve` on 127.0.0.1 (a fresh database, the offline provider). The tests live in
// e2e/tests/*.mjs, each exporting `tests` ([{name, fn(ctx)}]); they run in file order on one
// server. Each prints its name; the run ends with "N passed, N failed" and exits non-zero on a
// failure. `--only TEXT` runs the tests whose name or file contains TEXT.
//
// The shared server may send notifications (docs/notifications.md) to one port on 127.0.0.1,
// `ctx.receiverPort`, where a test may start an HTTP receiver: the server runs in the run's
// folder, where it finds an atelier.providers.json with only "http": {"allow_hosts"} (the offline
// provider stays; $ATELIER_PROVIDERS, when set, is read instead).
//
//   ATELIER_BIN=../build/atelier CHROMIUM=/usr/bin/chromium [ATELIER_UI_DIR=dist] \
//     node e2e/run.mjs [--screenshots DIR] [--only TEXT]
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { startServer } from "./lib.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const bin = process.env.ATELIER_BIN ?? join(here, "..", "..", "build", "atelier");
const browserPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const onlyArg = process.argv.indexOf("--only");
const only = onlyArg > 0 ? (process.argv[onlyArg + 1] ?? "") : "";

const tests = [];
for (const file of readdirSync(join(here, "tests")).filter((f) => f.endsWith(".mjs")).sort()) {
  const mod = await import(pathToFileURL(join(here, "tests", file)).href);
  for (const t of mod.tests) if (!only || t.name.includes(only) || file.includes(only)) tests.push(t);
}

// A port on 127.0.0.1 that was free a moment ago.
function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address ? resolvePort(address.port) : reject(new Error("no free port"))));
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), "atelier-e2e-"));
let server;
let browser;
let passed = 0;
let failed = 0;
try {
  const receiverPort = await freePort();
  writeFileSync(join(dir, "atelier.providers.json"), JSON.stringify({ http: { allow_hosts: [`127.0.0.1:${receiverPort}`] } }));
  server = await startServer(resolve(bin), dir);
  browser = await chromium.launch({ executablePath: browserPath, args: ["--no-sandbox"] });
  const ctx = { browser, base: server.base, key: server.key, link: server.link, dir, receiverPort };
  for (const t of tests) {
    const started = Date.now();
    try {
      await t.fn(ctx);
      passed++;
      console.log(`ok: ${t.name} (${Date.now() - started} ms)`);
    } catch (e) {
      failed++;
      console.log(`FAILED: ${t.name}\n  ${e instanceof Error ? e.stack : e}`);
    }
  }
} catch (e) {
  failed++;
  console.log(`FAILED: setting up\n  ${e instanceof Error ? e.stack : e}`);
} finally {
  await browser?.close();
  server?.proc.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
