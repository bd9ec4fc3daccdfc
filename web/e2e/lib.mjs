// What the browser tests share: starting a real `atelier serve` and taking screenshots.
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";

const shotsArg = process.argv.indexOf("--screenshots");
const shots = shotsArg > 0 ? resolve(process.argv[shotsArg + 1] ?? "") : "";

// Starts the server on a free port in `dir`; resolves with its process, address, admin key and
// one-time sign-in link.
export function startServer(bin, dir) {
  return new Promise((resolveStart, reject) => {
    const args = ["serve", "--db", join(dir, "atelier.db"), "--listen", "127.0.0.1:0"];
    // A UI folder instead of the copy in the binary (e.g. while working on the UI).
    if (process.env.ATELIER_UI_DIR) args.push("--ui-dir", resolve(process.env.ATELIER_UI_DIR));
    const proc = spawn(bin, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
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
    proc.stderr.on("data", (chunk) => (out += chunk));
    proc.on("exit", (code) => reject(new Error(`the server exited (${code}):\n${out}`)));
  });
}

// Saves a screenshot as DIR/NAME.png when the run was given --screenshots DIR.
export async function shot(page, name) {
  if (!shots) return;
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

// Calls the API with the admin key (to prepare what a test needs); throws on an unexpected status.
export async function call(ctx, method, path, body, expect = [200, 201]) {
  const r = await fetch(ctx.base + path, {
    method,
    headers: { Authorization: `Bearer ${ctx.key}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!expect.includes(r.status)) throw new Error(`${method} ${path} answered ${r.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

// Polls the execution until it is finished (completed, failed or stopped); answers it.
export async function finished(ctx, id, timeout = 60000) {
  const end = Date.now() + timeout;
  for (;;) {
    const e = await call(ctx, "GET", `/api/v1/executions/${id}`);
    if (["completed", "failed", "stopped"].includes(e.status)) return e;
    if (Date.now() > end) throw new Error(`${id} is still ${e.status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// A page of a new browser context signed in with `key` (the admin key when omitted).
export async function signedIn(ctx, key = ctx.key, viewport = { width: 1280, height: 800 }) {
  const context = await ctx.browser.newContext({ viewport });
  const page = await context.newPage();
  await page.goto(ctx.base + "/");
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Runs" }).waitFor();
  return { context, page };
}
