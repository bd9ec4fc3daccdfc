// End-to-end tests in a real browser: Debian's Chromium driven by playwright-core against a real
// `atelier serve` on 127.0.0.1 (a fresh database, the offline provider). Each test prints its
// name; the run ends with "N passed, N failed" and exits non-zero on a failure.
//
//   ATELIER_BIN=../build/atelier CHROMIUM=/usr/bin/chromium [ATELIER_UI_DIR=dist] \
//     node e2e/run.mjs [--screenshots DIR]
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const web = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const bin = process.env.ATELIER_BIN ?? join(web, "..", "build", "atelier");
const browserPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const shotsArg = process.argv.indexOf("--screenshots");
const shots = shotsArg > 0 ? resolve(process.argv[shotsArg + 1] ?? "") : "";

// Starts the server on a free port; resolves with its address, admin key and sign-in link.
function startServer(dir) {
  return new Promise((resolveStart, reject) => {
    const args = ["serve", "--db", join(dir, "atelier.db"), "--listen", "127.0.0.1:0"];
    // A UI folder instead of the copy in the binary (e.g. while working on the UI).
    if (process.env.ATELIER_UI_DIR) args.push("--ui-dir", process.env.ATELIER_UI_DIR);
    const proc = spawn(bin, args, {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${out}`)), 20000);
    proc.stdout.on("data", (chunk) => {
      out += chunk;
      const base = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      const key = /^(atl_[0-9a-f]+)$/m.exec(out)?.[1];
      const link = /sign in \(this link works once\): (\S+)/.exec(out)?.[1];
      if (base && key && link) {
        clearTimeout(timer);
        resolveStart({ proc, base, key, link });
      }
    });
    proc.stderr.on("data", () => {});
    proc.on("exit", (code) => reject(new Error(`the server exited (${code}):\n${out}`)));
  });
}

async function shot(page, name) {
  if (!shots) return;
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

test("signs in with an API key, launches the demo template and watches it finish", async (ctx) => {
  const page = await ctx.browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(ctx.base + "/");
  await page.getByLabel("API key").fill("atl_not_a_key");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("alert").waitFor();
  if (!(await page.getByRole("alert").innerText()).includes("unknown API key"))
    throw new Error("a wrong key is not explained");
  await page.getByLabel("API key").fill(ctx.key);
  await shot(page, "sign-in");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Runs" }).waitFor();
  await page.getByRole("button", { name: "Templates" }).click();
  const card = page.locator(".card", { has: page.getByRole("heading", { name: "Blog article", exact: true }) });
  await shot(page, "templates");
  await card.getByRole("button", { name: "Launch…" }).click();
  await page.getByLabel("topic").fill("Growing tomatoes on a balcony");
  await page.getByLabel("words").fill("300");
  await shot(page, "launch-form");
  await page.getByRole("button", { name: "Launch", exact: true }).click();
  // The view goes to the execution, whose graph and status follow the event stream.
  await page.getByTestId("execution-status").waitFor();
  await page.locator(".react-flow__node").first().waitFor();
  await page.getByTestId("execution-status").filter({ hasText: "completed" }).waitFor({ timeout: 60000 });
  await page.locator(".react-flow__node.step-succeeded").first().waitFor();
  if (!page.url().includes("/executions/ex_")) throw new Error(`the view is ${page.url()}`);
  if (!(await page.locator(".summary").innerText()).includes("100%")) throw new Error("not at 100%");
  await shot(page, "execution");
  // The runs list shows it completed.
  await page.getByRole("button", { name: "Runs" }).click();
  await page.locator("tr[data-status=completed]").first().waitFor();
  await shot(page, "runs");
  await page.close();
});

test("a one-time sign-in link signs the browser in once", async (ctx) => {
  const first = await ctx.browser.newContext();
  const page = await first.newPage();
  await page.goto(ctx.link);
  await page.getByRole("heading", { name: "Runs" }).waitFor();
  await first.close();
  const second = await ctx.browser.newContext();
  const again = await second.newPage();
  const r = await again.goto(ctx.link);
  if (r?.status() !== 401) throw new Error(`a used link answered ${r?.status()}`);
  await second.close();
});

test("a viewer key sees launching disabled, with the reason", async (ctx) => {
  const made = await fetch(ctx.base + "/api/v1/keys", {
    method: "POST",
    headers: { Authorization: `Bearer ${ctx.key}`, "Content-Type": "application/json" },
    body: JSON.stringify({ role: "viewer", name: "e2e viewer" }),
  });
  if (made.status !== 201) throw new Error(`creating a viewer key answered ${made.status}`);
  const { secret } = await made.json();
  const context = await ctx.browser.newContext();
  const page = await context.newPage();
  await page.goto(ctx.base + "/templates");
  await page.getByLabel("API key").fill(secret);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText("· viewer").waitFor();
  await page.getByRole("button", { name: "Templates" }).click();
  await page.getByRole("button", { name: "Launch…" }).first().click();
  const launch = page.getByRole("button", { name: "Launch", exact: true });
  if (!(await launch.isDisabled())) throw new Error("a viewer can press Launch");
  const why = await launch.getAttribute("title");
  if (!why?.includes("viewer role")) throw new Error(`no reason on hover: ${why}`);
  await context.close();
});

const dir = mkdtempSync(join(tmpdir(), "atelier-e2e-"));
let server;
let browser;
let passed = 0;
let failed = 0;
try {
  server = await startServer(dir);
  browser = await chromium.launch({ executablePath: browserPath, args: ["--no-sandbox"] });
  const ctx = { browser, base: server.base, key: server.key, link: server.link };
  for (const t of tests) {
    try {
      await t.fn(ctx);
      passed++;
      console.log(`ok: ${t.name}`);
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
