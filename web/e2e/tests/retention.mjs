// Retention on the Automations screen against the real server: three finished runs of one
// template; "keep the newest 1" with a refused number named before anything is sent; Preview
// counts the two older runs (linked, with their template) and deletes nothing; Save; Sweep now
// asks first with what the saved policy lets go, then reports the two deleted, and Runs no longer
// lists them; a key that is not admin sees the policy and previews, with Save and Sweep now
// disabled and the reason.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { call, finished, shot, signedIn, startServer } from "../lib.mjs";

export const tests = [];

// A server of its own (a fresh database, started once for this file): a retention policy is the
// whole workspace's, and sweeping would delete the runs the other files' tests read.
let own = null;
async function ownServer(ctx) {
  if (!own) {
    const dir = mkdtempSync(join(tmpdir(), "atelier-e2e-retention-"));
    const here = dirname(fileURLToPath(import.meta.url));
    const bin = resolve(process.env.ATELIER_BIN ?? join(here, "..", "..", "..", "build", "atelier"));
    const started = Date.now();
    const s = await startServer(bin, dir);
    process.on("exit", () => {
      s.proc.kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    });
    own = { ...ctx, base: s.base, key: s.key, link: s.link, dir, started };
  }
  return own;
}
const test = (name, fn) => tests.push({ name, fn: async (ctx) => fn(await ownServer(ctx)) });

function assert(ok, message) {
  if (!ok) throw new Error(message);
}

async function openRetention(page) {
  await page.getByRole("button", { name: "Automations" }).click();
  const section = page.getByRole("region", { name: "Retention" });
  await section.getByTestId("retention-policy").waitFor();
  return section;
}

// The server sweeps by itself a minute after it starts (then every 5 minutes): that first sweep
// must not fall between Save and Sweep now, or Sweep now would find nothing left.
async function clearOfFirstSweep(ctx) {
  const age = Date.now() - ctx.started;
  if (age > 40000 && age < 75000) await new Promise((r) => setTimeout(r, 75000 - age));
}

test("retention: keep the newest 1, previewed, saved and swept now; Runs no longer lists the deleted runs", async (ctx) => {
  // Three quick runs of one template, each drawing its own image (a file of its own to free).
  const t = await call(ctx, "POST", "/api/v1/templates", {
    name: "Retention poster",
    category: "testing",
    inputs: { topic: { type: "string", required: true } },
    nodes: [
      { id: "start", type: "start" },
      { id: "draw", type: "generate_image", data: { prompt: "A poster about {{inputs.topic}}", size: "64x64", cache: false } },
      { id: "done", type: "end" },
    ],
    edges: [
      { id: "e1", source: "start", target: "draw" },
      { id: "e2", source: "draw", target: "done" },
    ],
  });
  const ids = [];
  for (const topic of ["tea", "coffee", "cocoa"]) {
    const { id } = await call(ctx, "POST", "/api/v1/executions", { template_id: t.id, inputs: { topic } });
    await finished(ctx, id);
    ids.push(id);
  }
  const [oldest, older, newest] = ids;

  const { context, page } = await signedIn(ctx, ctx.key, { width: 1280, height: 1000 });
  for (const id of ids) await page.locator(`tr[data-execution="${id}"]`).waitFor();
  const section = await openRetention(page);
  await section.getByTestId("retention-policy").filter({ hasText: /^Keeps everything$/ }).waitFor();
  const sweepNow = section.getByRole("button", { name: "Sweep now" });
  assert(await sweepNow.isDisabled(), "Sweep now is offered while the policy keeps everything");
  assert((await sweepNow.getAttribute("title")) === "The saved policy keeps everything: there is nothing to sweep", "Sweep now does not say why it is disabled");

  // A number out of range is named next to its field before anything is sent.
  const form = section.getByRole("form", { name: "Retention policy" });
  const keep = form.getByLabel("K: runs to keep of each template");
  await keep.fill("0");
  assert(await form.getByRole("checkbox", { name: "Keep the newest K finished runs of each template" }).isChecked(), "typing a number does not tick its rule");
  await form.getByRole("button", { name: "Preview" }).click();
  await form.getByText("At least 1 run: untick the rule to have none").waitFor();
  assert((await keep.getAttribute("aria-invalid")) === "true", "the refused number is not marked invalid");

  // Preview: the two older runs would go, linked, oldest first; nothing is deleted.
  await keep.fill("1");
  await form.getByTestId("proposed-policy").filter({ hasText: "Keeps the newest finished run of each template and deletes the older ones. Not saved yet" }).waitFor();
  await form.getByRole("button", { name: "Preview" }).click();
  const preview = form.getByRole("region", { name: "Preview" });
  const summary = await preview.getByTestId("preview-summary").innerText();
  assert(/^Would delete 2 runs now, freeing \d/.test(summary), `the preview says: ${summary}`);
  assert((await preview.getByTestId("preview-runs").innerText()) === "2", "the preview does not count 2 runs");
  assert((await preview.getByTestId("preview-files").innerText()) === "2", "the preview does not count their 2 files");
  const rows = preview.getByRole("table", { name: "Runs that would go" }).locator("tbody tr");
  const shown = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-example")));
  assert(JSON.stringify(shown) === JSON.stringify([oldest, older]), `the runs that would go: ${shown}`);
  const link = preview.getByRole("link", { name: oldest });
  assert((await link.getAttribute("href")) === `/executions/${oldest}`, "a run that would go is not linked to its page");
  assert((await rows.first().innerText()).includes("Retention poster"), "a run that would go does not name its template");
  assert((await call(ctx, "GET", `/api/v1/executions?template_id=${t.id}&limit=10`)).items.length === 3, "the preview deleted something");

  // Save.
  await clearOfFirstSweep(ctx);
  await form.getByRole("button", { name: "Save policy" }).click();
  await section.getByRole("status").filter({ hasText: "Saved: keeps the newest finished run of each template" }).waitFor();
  await section.getByTestId("retention-policy").filter({ hasText: "Keeps the newest finished run of each template and deletes the older ones" }).waitFor();
  const stored = await call(ctx, "GET", "/api/v1/retention");
  assert(stored.keep_last === 1 && stored.max_age_days === null, `the server has ${JSON.stringify(stored)}`);

  // Sweep now: asked first with what the saved policy lets go, then what it did.
  await sweepNow.click();
  const confirm = section.getByRole("group", { name: "Confirm sweeping now" });
  await confirm.filter({ hasText: /Delete 2 runs now, freeing .*\? They cannot be brought back\./ }).waitFor();
  await page.evaluate(() => document.getElementById("retention-title")?.scrollIntoView());
  await shot(page, "retention");
  await confirm.getByRole("button", { name: "Yes, delete them" }).click();
  const report = await section.getByTestId("sweep-report").innerText();
  assert(/^Deleted 2 runs, freeing \d/.test(report), `the sweep reports: ${report}`);
  await section.getByTestId("retention-totals").filter({ hasText: /^2 runs, / }).waitFor();
  assert((await section.getByTestId("last-sweep").innerText()).startsWith("Deleted 2 runs"), "the last sweep is not shown");
  for (const id of [oldest, older]) await call(ctx, "GET", `/api/v1/executions/${id}`, undefined, [404]);

  // Runs lists the newest run only.
  await page.getByRole("button", { name: "Runs" }).click();
  await page.locator(`tr[data-execution="${newest}"]`).waitFor();
  for (const id of [oldest, older]) assert((await page.locator(`tr[data-execution="${id}"]`).count()) === 0, `Runs still lists ${id}`);
  await context.close();
});

test("retention: a key that is not admin previews, and sees Save and Sweep now disabled with the reason", async (ctx) => {
  const { secret } = await call(ctx, "POST", "/api/v1/keys", { role: "editor", name: "retention editor" });
  const { context, page } = await signedIn(ctx, secret);
  const section = await openRetention(page);
  const why = "Saving the policy and sweeping need the admin role; your key has editor";
  for (const name of ["Save policy", "Sweep now"]) {
    const button = section.getByRole("button", { name });
    assert(await button.isDisabled(), `${name} is enabled for an editor`);
    assert((await button.getAttribute("title")) === why, `${name} does not say why it is disabled`);
  }
  await section.getByText("Your key has the editor role: you see the policy and can preview one; saving it and sweeping now need admin.").waitFor();
  // Preview works for any key: a 1-day rule lets nothing go yet.
  const form = section.getByRole("form", { name: "Retention policy" });
  await form.getByRole("checkbox", { name: "Keep the newest K finished runs of each template" }).uncheck();
  await form.getByLabel("N: age in days").fill("1");
  await form.getByRole("button", { name: "Preview" }).click();
  await form.getByTestId("preview-summary").filter({ hasText: "Nothing would be deleted now: every finished run is within this policy." }).waitFor();
  await context.close();
});
