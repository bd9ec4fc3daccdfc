// The execution screen: approve a gate; tweak a finished image and see v2 beside v1 with only
// the downstream steps re-run; fork a finished run from a step; a running step's live progress; stop a running execution and
// retry it; drop the event stream mid-run and catch up with no missing or doubled event; a
// viewer sees the actions disabled with the reason; the time from a step's commit to its colour
// in the page (median, p99); a map of 2,000 items stays smooth (steps refetched at most once per
// frame).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { call, shot, signedIn, startServer } from "../lib.mjs";

export const tests = [];

// These scenarios run on a server of their own (a fresh database, started once for this file):
// they make thousands of steps, and the Gallery's and Credits' tests, on the shared server, read
// the whole workspace.
let own = null;
async function ownServer(ctx) {
  if (!own) {
    const dir = mkdtempSync(join(tmpdir(), "atelier-e2e-exec-"));
    const here = dirname(fileURLToPath(import.meta.url));
    const bin = resolve(process.env.ATELIER_BIN ?? join(here, "..", "..", "..", "build", "atelier"));
    const s = await startServer(bin, dir);
    process.on("exit", () => {
      s.proc.kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    });
    own = { ...ctx, base: s.base, key: s.key, link: s.link, dir };
  }
  return own;
}
const test = (name, fn) => tests.push({ name, fn: async (ctx) => fn(await ownServer(ctx)) });

// A chain of generative steps that each take `latency` ms on the offline provider, so a run lasts
// long enough to act on it; made through the API under a name unique to the test.
async function slowChain(ctx, name, steps = 5, latency = 400) {
  const nodes = [{ id: "start", type: "start", position: { x: 0, y: 100 } }];
  const edges = [];
  let prev = "start";
  for (let i = 1; i <= steps; i++) {
    const id = `s${i}`;
    nodes.push({
      id,
      type: "generate_text",
      position: { x: i * 220, y: 100 },
      data: { label: `Step ${i}`, prompt: `Paragraph ${i} about {{inputs.topic}}`, max_tokens: 60, latency_ms: latency, cache: false },
    });
    edges.push({ id: `e${i}`, source: prev, target: id });
    prev = id;
  }
  nodes.push({ id: "end", type: "end", position: { x: (steps + 1) * 220, y: 100 }, data: { output: { last: `{{steps.${prev}.text}}` } } });
  edges.push({ id: "eend", source: prev, target: "end" });
  const t = await call(ctx, "POST", "/api/v1/templates", {
    name,
    inputs: { topic: { type: "string", default: "tea" } },
    nodes,
    edges,
  });
  return t.id;
}

async function launch(ctx, body) {
  return (await call(ctx, "POST", "/api/v1/executions", body)).id;
}

async function events(ctx, id) {
  const out = [];
  let after = 0;
  for (;;) {
    const page = await call(ctx, "GET", `/api/v1/executions/${id}/events?after=${after}&limit=1000`);
    out.push(...page.items);
    if (!page.next_cursor) return out;
    after = page.next_cursor;
  }
}

async function open(page, ctx, id) {
  await page.goto(`${ctx.base}/executions/${id}`);
  await page.getByTestId("execution-status").waitFor();
}

const status = (page, s, timeout = 60000) =>
  page.getByTestId("execution-status").filter({ hasText: new RegExp(`^${s}$`) }).waitFor({ timeout });

function assert(ok, message) {
  if (!ok) throw new Error(message);
}

test("approves a gate and sees the run finish at stage M of M, 100%", async (ctx) => {
  const id = await launch(ctx, { template_name: "Reviewed announcement", inputs: { headline: "Atelier 2.0 ships", importance: 8 } });
  const { context, page } = await signedIn(ctx);
  await open(page, ctx, id);
  const gate = page.getByRole("group", { name: "Decision on Editor review" });
  await gate.waitFor();
  await status(page, "waiting");
  // What the gate asks, and the content to judge, are next to the buttons.
  await gate.getByText("Publish this announcement?").waitFor();
  await gate.getByText("What to judge").click();
  await gate.getByRole("heading", { name: /Write A Short Announcement Atelier/ }).waitFor();
  await gate.getByRole("button", { name: "Approve" }).click();
  await status(page, "completed");
  const stage = await page.getByTestId("stage").innerText();
  const m = /stage (\d+) of (\d+)/.exec(stage);
  assert(m && m[1] === m[2], `the end says "${stage}"`);
  assert((await page.getByTestId("percent").innerText()) === "100%", "not 100% at the end");
  await page.locator(".react-flow__node.step-succeeded[data-id=banner]").waitFor();
  // seed 001: the three choices after a result. Again: the same template version and inputs, a
  // new execution shown; Back: the launch form with these inputs.
  for (const name of ["Back", "Again", "Close"]) await page.getByRole("button", { name, exact: true }).waitFor();
  await page.getByRole("button", { name: "Again", exact: true }).click();
  await page.waitForURL((u) => u.pathname.startsWith("/executions/") && !u.pathname.endsWith(id));
  const again = decodeURIComponent(new URL(page.url()).pathname.split("/").pop());
  const second = await call(ctx, "GET", `/api/v1/executions/${again}`);
  const first = await call(ctx, "GET", `/api/v1/executions/${id}`);
  assert(JSON.stringify(second.inputs) === JSON.stringify(first.inputs) && second.template_version === first.template_version, "Again changed the settings");
  await page.getByRole("group", { name: "Decision on Editor review" }).waitFor();
  await page.goto(`${ctx.base}/executions/${id}`);
  await page.getByRole("button", { name: "Back", exact: true }).click();
  await page.waitForURL((u) => u.pathname.endsWith("/launch") && u.search.includes(id));
  await page.locator("input[value='Atelier 2.0 ships']").waitFor();
  // At phone width nothing runs off the side.
  await page.setViewportSize({ width: 390, height: 800 });
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert(wide <= 392, `at 390px the page is ${wide}px wide`);
  await context.close();
});

test("tweaks a finished image: v2 beside v1, only the downstream steps re-run", async (ctx) => {
  const id = await launch(ctx, { template_name: "Blog article", inputs: { topic: "Bees in the city", words: 300 } });
  const { context, page } = await signedIn(ctx);
  await open(page, ctx, id);
  await status(page, "completed");
  const before = (await events(ctx, id)).length;
  await page.getByRole("list", { name: "Steps" }).getByRole("button", { name: "Featured image", exact: true }).click();
  const panel = page.getByRole("complementary");
  await panel.getByRole("heading", { name: /Featured image/ }).waitFor();
  await panel.getByText("Editorial featured image for an article about Bees in the city").first().waitFor();
  await shot(page, "step-panel");
  await panel.getByLabel("Tweak instruction").fill("make it blue and calm");
  await panel.getByRole("button", { name: "Tweak…" }).click();
  const reruns = await panel.getByRole("list", { name: "Steps that will run again" }).getByRole("listitem").allInnerTexts();
  assert(
    JSON.stringify(reruns) === JSON.stringify(["Featured image", "Attach featured image", "publish"]),
    `the confirmation says it re-runs ${reruns.join(", ")}`,
  );
  assert((await panel.getByTestId("estimate").innerText()).includes("estimate"), "the cost is not called an estimate");
  await panel.getByRole("button", { name: "Confirm" }).click();
  const history = panel.getByRole("list", { name: "Version history" });
  await history.getByRole("listitem", { name: "Version 2" }).waitFor({ timeout: 30000 });
  await history.getByRole("listitem", { name: "Version 1" }).waitFor();
  await status(page, "completed");
  // Side by side: v1 and v2 on one row, each with its image.
  const v1 = await history.getByRole("listitem", { name: "Version 1" }).boundingBox();
  const v2 = await history.getByRole("listitem", { name: "Version 2" }).boundingBox();
  assert(v1 && v2 && Math.abs(v1.y - v2.y) < 2 && v2.x > v1.x, "the versions are not side by side");
  assert((await history.getByRole("img").count()) === 2, "the versions do not both show their image");
  assert(await history.getByRole("listitem", { name: "Version 2" }).getByText("current").isVisible(), "v2 is not current");
  // The output shows only the current version's image.
  const steps = await call(ctx, "GET", `/api/v1/executions/${id}/steps`);
  const fi = steps.items.find((s) => s.id === "featured_image");
  const shown = await panel.getByRole("region", { name: "Output" }).getByRole("img").evaluateAll((els) => els.map((e) => e.getAttribute("src")));
  assert(shown.length === 1 && shown[0].includes(fi.output.image.artifact_id), `the output shows ${shown}`);
  // Only the tweaked step and what follows it ran again.
  const after = (await events(ctx, id)).slice(before);
  const started = [...new Set(after.filter((e) => e.type === "step_started").map((e) => e.step))];
  assert(started.includes("featured_image"), "the image did not run again");
  for (const s of started) assert(["featured_image", "attach", "publish"].includes(s), `${s} ran again`);
  await history.scrollIntoViewIfNeeded();
  await shot(page, "versions");
  // At phone width the panel goes under the graph and nothing runs off the side.
  await page.setViewportSize({ width: 390, height: 800 });
  await history.scrollIntoViewIfNeeded();
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert(wide <= 392, `at 390px the page with the step panel is ${wide}px wide`);
  if (process.env.E2E_PHONE_SHOT) await page.screenshot({ path: process.env.E2E_PHONE_SHOT });
  await page.setViewportSize({ width: 1280, height: 800 });
  // The finished execution's stream had ended; the tweak opened it again from the last event.
  await page.getByRole("tab", { name: "Events" }).click();
  const all = (await events(ctx, id)).map((e) => e.seq);
  await page.locator(`.ev[data-seq='${all[all.length - 1]}']`).waitFor();
  const logged = await page.getByRole("log", { name: "Events" }).locator(".ev").evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-seq"))));
  assert(JSON.stringify(logged) === JSON.stringify(all), `after the tweak the log has ${logged}`);
  await page.getByRole("tab", { name: "Graph" }).click();
  // Revert: a v3 that is v1 again becomes current, and v1's image is the one the output shows.
  await history.getByRole("button", { name: "Revert to v1" }).click();
  await panel.getByRole("button", { name: "Confirm" }).click();
  const v3 = history.getByRole("listitem", { name: "Version 3" });
  await v3.getByText("current").waitFor({ timeout: 30000 });
  assert((await v3.innerText()).includes("reverted to v1"), "v3 does not say it is v1 again");
  await status(page, "completed");
  const v1art = (await call(ctx, "GET", `/api/v1/executions/${id}/steps/featured_image/versions`)).items[0].output.image.artifact_id;
  await panel.getByRole("region", { name: "Output" }).locator(`img[src*="${v1art}"]`).waitFor();
  await context.close();
});

test("forks a finished run from a step: the new run keeps what came before it", async (ctx) => {
  const tpl = await slowChain(ctx, "e2e fork chain", 3, 50);
  const id = await launch(ctx, { template_id: tpl, inputs: {} });
  const { context, page } = await signedIn(ctx);
  await open(page, ctx, id);
  await status(page, "completed");
  await page.getByRole("list", { name: "Steps" }).getByRole("button", { name: "Step 2" }).click();
  const panel = page.getByRole("complementary");
  await panel.getByRole("button", { name: "Fork from here…" }).click();
  const dialog = panel.getByRole("group", { name: "Fork from this step" });
  const reruns = await dialog.getByRole("list", { name: "Steps the fork runs again" }).getByRole("listitem").allInnerTexts();
  assert(reruns[0] === "Step 2" && reruns.includes("Step 3") && !reruns.includes("Step 1"), `the fork says it re-runs ${reruns.join(", ")}`);
  await shot(page, "fork-dialog");
  // Step 1 reads the topic and comes before the fork: another topic is refused, and the page says why.
  await dialog.getByLabel("topic").fill("coffee");
  await dialog.getByRole("button", { name: "Fork", exact: true }).click();
  const refusal = dialog.getByRole("alert");
  await refusal.waitFor();
  assert(/step 's1', upstream of 's2', reads input 'topic'/.test(await refusal.innerText()), `the refusal says "${await refusal.innerText()}"`);
  await dialog.getByLabel("topic").fill("tea");
  await dialog.getByRole("button", { name: "Fork", exact: true }).click();
  await page.locator(".forked-from").waitFor();
  await status(page, "completed");
  const forkId = decodeURIComponent(new URL(page.url()).pathname.split("/").pop());
  assert(forkId !== id, "the page did not move to the fork");
  await shot(page, "fork");
  const steps = (await call(ctx, "GET", `/api/v1/executions/${forkId}/steps`)).items;
  const step = (sid) => steps.find((s) => s.id === sid);
  assert(step("s1").status === "succeeded" && step("s1").usage === null, "Step 1 was not kept from the source");
  assert(step("s2").usage !== null && step("s3").usage !== null, "Step 2 and Step 3 did not run again");
  // The origin links back to the source.
  await page.locator(".forked-from a").click();
  await page.waitForURL(`**/executions/${id}`);
  await page.getByTestId("execution-status").waitFor();
  await context.close();
});

test("stops a running execution and retries it to completion", async (ctx) => {
  const tpl = await slowChain(ctx, "e2e slow chain (stop)", 5, 1100);
  const id = await launch(ctx, { template_id: tpl, inputs: {} });
  const { context, page } = await signedIn(ctx);
  await open(page, ctx, id);
  await page.locator(".react-flow__node.step-running").first().waitFor();
  await page.locator(".react-flow__node.step-succeeded[data-id=s1]").waitFor();
  await shot(page, "execution");
  // A new version of the first step while a later one runs: the server refuses (409), and the
  // page says why, next to the button.
  await page.getByRole("list", { name: "Steps" }).getByRole("button", { name: "Step 1" }).click();
  const panel = page.getByRole("complementary");
  await panel.getByRole("button", { name: "Regenerate…" }).click();
  await panel.getByRole("button", { name: "Confirm" }).click();
  const refusal = await panel.getByRole("alert").innerText();
  assert(/downstream of 's1' is (running|ready)/.test(refusal), `the refusal says "${refusal}"`);
  await panel.getByRole("button", { name: "Close the step panel" }).click();
  assert(await page.getByRole("button", { name: "Resume" }).isDisabled(), "Resume is enabled while running");
  await page.getByRole("button", { name: "Pause" }).click();
  await status(page, "paused");
  assert(await page.getByRole("button", { name: "Pause" }).isDisabled(), "Pause is enabled while paused");
  await page.getByRole("button", { name: "Resume" }).click();
  await status(page, "running");
  await page.getByRole("button", { name: "Stop" }).click();
  await status(page, "stopped");
  await page.locator(".react-flow__node.step-cancelled").first().waitFor();
  const retry = page.getByRole("group", { name: "Execution actions" }).getByRole("button", { name: "Retry" });
  assert(!(await retry.isDisabled()), "Retry is disabled on a stopped execution");
  assert(await page.getByRole("button", { name: "Stop" }).isDisabled(), "Stop is enabled on a stopped execution");
  await retry.click();
  await status(page, "running");
  await status(page, "completed");
  assert((await page.getByTestId("percent").innerText()) === "100%", "not 100% after the retry");
  assert((await page.locator(".react-flow__node.step-succeeded").count()) === 7, "not every step succeeded");
  await context.close();
});

test("a failed execution names the error's class, and Retry runs it to completion", async (ctx) => {
  const t = await call(ctx, "POST", "/api/v1/templates", {
    name: "e2e fails once",
    nodes: [
      { id: "start", type: "start", position: { x: 0, y: 0 } },
      { id: "flaky", type: "generate_text", position: { x: 220, y: 0 }, data: { label: "Flaky", prompt: "Hello", max_tokens: 20, fail_first: 1, retry: { max_attempts: 1, backoff_ms: 0 }, cache: false } },
    ],
    edges: [{ id: "e1", source: "start", target: "flaky" }],
  });
  const id = await launch(ctx, { template_id: t.id, inputs: {} });
  const { context, page } = await signedIn(ctx);
  await open(page, ctx, id);
  await status(page, "failed");
  assert((await page.getByTestId("execution-error").innerText()).includes("unavailable"), "the execution's error has no class");
  await page.locator(".react-flow__node.step-failed[data-id=flaky]").getByText("unavailable").waitFor();
  await page.getByTestId("execution-error").getByRole("button", { name: "flaky" }).click();
  const panel = page.getByRole("complementary");
  assert((await panel.getByRole("note").innerText()).startsWith("unavailable"), "the panel does not name the error class");
  for (const name of ["Back", "Again", "Close"]) await page.getByRole("button", { name, exact: true }).waitFor();
  await page.getByRole("group", { name: "Execution actions" }).getByRole("button", { name: "Retry" }).click();
  await status(page, "completed");
  await panel.getByTestId("step-status").filter({ hasText: "succeeded" }).waitFor();
  // Read as soon as the status says succeeded: the count must already be the new one.
  const attempts = await panel.getByText("Attempts").locator("xpath=following-sibling::dd[1]").innerText();
  assert(attempts.startsWith("2"), `not two attempts beside "succeeded": "${attempts}"`);
  await context.close();
});

test("drops the event stream mid-run and catches up with no missing or doubled event", async (ctx) => {
  const tpl = await slowChain(ctx, "e2e slow chain (drop)", 8, 600);
  const { context, page } = await signedIn(ctx);
  await page.addInitScript(() => {
    window.__delivered = [];
    const add = EventSource.prototype.addEventListener;
    EventSource.prototype.addEventListener = function (type, fn, opts) {
      return add.call(this, type, (ev) => (window.__delivered.push(ev.lastEventId), fn.call(this, ev)), opts);
    };
  });
  const id = await launch(ctx, { template_id: tpl, inputs: {} });
  // The stream is cut mid-run: the first connection delivers the events committed so far and
  // ends, the reconnections fail while `down`, then one reaches the server with Last-Event-ID.
  let connections = 0;
  let down = true;
  let firstCut = 0;
  await page.route(/\/events\/stream/, async (route) => {
    connections++;
    if (connections === 1) {
      const sofar = await events(ctx, id);
      firstCut = sofar[sofar.length - 1].seq;
      const sse = sofar
        .map((e) => `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify({ ...e, execution_id: id })}\n\n`)
        .join("");
      await route.fulfill({ status: 200, headers: { "Content-Type": "text/event-stream" }, body: sse });
      return;
    }
    if (down) await route.abort("connectionreset");
    else await route.continue();
  });
  await open(page, ctx, id);
  await page.getByRole("tab", { name: "Events" }).click();
  await page.getByText("Reconnecting…").first().waitFor({ timeout: 15000 });
  // EventSource waits about 3 s between attempts: at least one attempt fails.
  while (connections < 2) await page.waitForTimeout(200);
  down = false;
  await status(page, "completed");
  const log = page.getByRole("log", { name: "Events" });
  const want = (await events(ctx, id)).map((e) => e.seq);
  await log.locator(`.ev[data-seq='${want[want.length - 1]}']`).waitFor();
  const seen = await log.locator(".ev").evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-seq"))));
  assert(JSON.stringify(seen) === JSON.stringify(want), `the log has ${seen.join(",")}; the server ${want.join(",")}`);
  assert(firstCut > 2 && firstCut < want.length, `the stream was cut at ${firstCut} of ${want.length}`);
  // What the browser delivered to the page, before the page's own check on seq: the reconnection
  // resumed after the last event it had (Last-Event-ID), so nothing came twice.
  const delivered = await page.evaluate(() => window.__delivered.map(Number));
  assert(JSON.stringify(delivered) === JSON.stringify(want), `the browser delivered ${delivered.join(",")}`);
  await page.getByText("Reconnecting…").first().waitFor({ state: "hidden", timeout: 5000 });
  await page.unroute(/\/events\/stream/);
  await context.close();
});

test("the timeline splits each step into waiting and running, with why it waited", async (ctx) => {
  // Ten branches at once (the server runs 8 steps of an execution at a time) and one step whose
  // first attempt fails and is retried after a backoff.
  const nodes = [{ id: "start", type: "start", position: { x: 0, y: 300 } }];
  const edges = [];
  for (let i = 1; i <= 10; i++) {
    nodes.push({
      id: `b${i}`,
      type: "generate_text",
      position: { x: 240, y: i * 60 },
      data: {
        label: `Branch ${i}`,
        prompt: `Branch ${i}`,
        max_tokens: 30,
        latency_ms: 700,
        cache: false,
        ...(i === 1 ? { fail_first: 1, retry: { max_attempts: 2, backoff_ms: 400 } } : {}),
      },
    });
    edges.push({ id: `e${i}`, source: "start", target: `b${i}` });
  }
  const t = await call(ctx, "POST", "/api/v1/templates", { name: "e2e ten branches", nodes, edges });
  const id = await launch(ctx, { template_id: t.id, inputs: {} });
  const { context, page } = await signedIn(ctx);
  await open(page, ctx, id);
  await status(page, "completed");
  await page.getByRole("tab", { name: "Timeline" }).click();
  const tl = page.getByRole("region", { name: "Timeline" });
  await tl.waitFor();
  const rows = await tl.getByRole("listitem").allInnerTexts();
  assert(rows.length === 11, `${rows.length} rows`);
  assert(rows.some((r) => r.includes("Branch 1") && r.includes("retried after unavailable")), `no retry reason:\n${rows.join("\n")}`);
  assert(rows.filter((r) => r.includes("queue: waiting for a free slot")).length >= 2, `no queue reason:\n${rows.join("\n")}`);
  await shot(page, "timeline");
  await context.close();
});

test("retries a map's failed items, then tweaks one item on its own", async (ctx) => {
  const t = await call(ctx, "POST", "/api/v1/templates", {
    name: "e2e map retry",
    nodes: [
      { id: "start", type: "start", position: { x: 0, y: 0 } },
      {
        id: "lines",
        type: "map",
        position: { x: 220, y: 0 },
        data: {
          label: "Lines",
          items: ["apples", "pears", "plums"],
          on_item_error: "continue",
          node: { type: "generate_text", data: { prompt: "One line about {{item}}", max_tokens: 30, fail_first: 1, retry: { max_attempts: 1, backoff_ms: 0 }, cache: false } },
        },
      },
      { id: "sum", type: "generate_text", position: { x: 440, y: 0 }, data: { label: "Summary", prompt: "Summarise {{steps.lines.count}} lines", max_tokens: 30, cache: false } },
    ],
    edges: [
      { id: "e1", source: "start", target: "lines" },
      { id: "e2", source: "lines", target: "sum" },
    ],
  });
  const id = await launch(ctx, { template_id: t.id, inputs: {} });
  const { context, page } = await signedIn(ctx);
  await open(page, ctx, id);
  await status(page, "completed");
  const node = page.locator(".react-flow__node[data-id=lines]");
  await node.getByText("3 failed").waitFor();
  // Keyboard: the node is focused with Tab and opened with Enter.
  await node.focus();
  await page.keyboard.press("Enter");
  const panel = page.getByRole("complementary");
  await panel.getByRole("heading", { name: /Lines/ }).waitFor();
  await panel.getByRole("button", { name: "Retry failed items…" }).click();
  await panel.getByRole("button", { name: "Confirm" }).click();
  // The map (it collected the failures and succeeded) runs its failed items again: none fails now.
  await node.getByText(/\d+ failed/).waitFor({ state: "hidden", timeout: 30000 });
  await status(page, "completed");
  await node.getByText("3 / 3").waitFor();
  const items = (await call(ctx, "GET", `/api/v1/executions/${id}/steps`)).items.filter((s) => s.parent === "lines");
  assert(items.every((s) => s.status === "succeeded"), `items: ${items.map((s) => s.status)}`);
  // One item, tweaked on its own: the others do not run again.
  const before = (await events(ctx, id)).length;
  await panel.getByRole("list", { name: "Items of lines" }).getByRole("listitem").nth(1).getByRole("button").click();
  await panel.getByRole("heading", { name: /lines\[1\]/ }).waitFor();
  await panel.getByLabel("Tweak instruction").fill("shorter");
  await panel.getByRole("button", { name: "Tweak…" }).click();
  const reruns = await panel.getByRole("list", { name: "Steps that will run again" }).getByRole("listitem").allInnerTexts();
  assert(reruns.length === 3 && reruns[1] === "Lines" && reruns[2] === "Summary", `the item's tweak re-runs ${reruns}`);
  await panel.getByRole("button", { name: "Confirm" }).click();
  await panel.getByRole("list", { name: "Version history" }).getByRole("listitem", { name: "Version 2" }).waitFor({ timeout: 30000 });
  await status(page, "completed");
  const started = new Set((await events(ctx, id)).slice(before).filter((e) => e.type === "step_started").map((e) => e.step));
  assert(!started.has("lines[0]") && !started.has("lines[2]"), `other items ran again: ${[...started]}`);
  assert(started.has("lines[1]"), `the item did not run again: ${[...started]}`);
  await context.close();
});

test("a running step shows its live progress: text as it is written, an image's sampling steps", async (ctx) => {
  // The offline provider pauses before each piece it reports (stream_chunk_ms), so each step
  // runs for seconds while its progress shows; the approval first lets the page subscribe
  // before anything generates.
  const t = await call(ctx, "POST", "/api/v1/templates", {
    name: "e2e live progress",
    nodes: [
      { id: "start", type: "start", position: { x: 0, y: 100 } },
      { id: "go", type: "approval", position: { x: 220, y: 100 }, data: { message: "Start?" } },
      { id: "write", type: "generate_text", position: { x: 440, y: 100 },
        data: { label: "Write", prompt: "A note about rivers", cache: false, stream_chunk_ms: 500 } },
      { id: "draw", type: "generate_image", position: { x: 660, y: 100 },
        data: { label: "Draw", prompt: "a river", size: "64x64", cache: false, stream_chunk_ms: 700 } },
      { id: "end", type: "end", position: { x: 880, y: 100 } },
    ],
    edges: [
      { id: "e1", source: "start", target: "go" },
      { id: "e2", source: "go", target: "write" },
      { id: "e3", source: "write", target: "draw" },
      { id: "e4", source: "draw", target: "end" },
    ],
  });
  const id = await launch(ctx, { template_id: t.id, inputs: {} });
  const { context, page } = await signedIn(ctx);
  await open(page, ctx, id);
  await status(page, "waiting");
  await page.getByRole("list", { name: "Steps" }).getByRole("button", { name: "Write", exact: true }).click();
  const panel = page.getByRole("complementary");
  await call(ctx, "POST", `/api/v1/executions/${id}/steps/go/approve`, {});
  const writing = page.locator(".react-flow__node[data-id=write]").getByTestId("node-writing");
  await writing.waitFor({ timeout: 30000 });
  assert(/writing… \d+ chars/.test(await writing.innerText()), `the node says "${await writing.innerText()}"`);
  const liveText = panel.getByTestId("live-text");
  await liveText.waitFor();
  const so_far = await liveText.innerText();
  assert(so_far.length > 0, "the panel shows no text while the step writes");
  await shot(page, "live-progress");
  // The image step's bar, then the end: no progress left on any node, the text is the output.
  await page.locator(".react-flow__node[data-id=draw] .step-node-live progress").waitFor({ timeout: 30000 });
  await status(page, "completed");
  await page.waitForFunction(() => document.querySelectorAll(".step-node-live").length === 0, null, { timeout: 10000 });
  const steps = await call(ctx, "GET", `/api/v1/executions/${id}/steps`);
  const text = steps.items.find((s) => s.id === "write").output.text;
  assert(text.startsWith(so_far.trim().slice(0, 20)), "the live text is not the start of the output");
  const log = await events(ctx, id);
  assert(log.every((e, i) => e.seq === i + 1 && e.type !== "step_progress"), "the log holds progress or has a gap");
  await context.close();
});

test("a viewer sees the actions disabled, with the reason", async (ctx) => {
  const { secret } = await call(ctx, "POST", "/api/v1/keys", { role: "viewer", name: "exec viewer" });
  const tpl = await slowChain(ctx, "e2e slow chain (viewer)", 2, 1500);
  const id = await launch(ctx, { template_id: tpl, inputs: {} });
  const { context, page } = await signedIn(ctx, secret);
  await open(page, ctx, id);
  for (const name of ["Pause", "Resume", "Stop", "Retry"]) {
    const b = page.getByRole("group", { name: "Execution actions" }).getByRole("button", { name });
    assert(await b.isDisabled(), `${name} is enabled for a viewer`);
    assert((await b.getAttribute("title"))?.includes("viewer role"), `${name} has no reason`);
  }
  await status(page, "completed");
  await page.getByRole("list", { name: "Steps" }).getByRole("button", { name: "Step 1" }).click();
  const tweak = page.getByRole("complementary").getByRole("button", { name: "Tweak…" });
  assert(await tweak.isDisabled(), "a viewer can tweak");
  assert((await tweak.getAttribute("title"))?.includes("viewer role"), "tweak has no reason");
  const again = page.getByRole("button", { name: "Again", exact: true });
  assert(await again.isDisabled(), "a viewer can launch again");
  await context.close();
});

test("measures the time from a step's commit to its colour in the page", async (ctx) => {
  const tpl = await slowChain(ctx, "e2e slow chain (latency)", 16, 200);
  const { context, page } = await signedIn(ctx);
  // Every class a graph node takes, with when it took it; and when each event reached the page.
  await page.addInitScript(() => {
    window.__arrived = {};
    const add = EventSource.prototype.addEventListener;
    EventSource.prototype.addEventListener = function (type, fn, opts) {
      return add.call(this, type, (ev) => ((window.__arrived[ev.lastEventId] ??= Date.now()), fn.call(this, ev)), opts);
    };
    const seen = [];
    window.__colours = seen;
    const record = (el) => {
      if (el instanceof HTMLElement && el.classList.contains("react-flow__node"))
        seen.push({ id: el.dataset.id, cls: el.className, t: Date.now() });
    };
    new MutationObserver((muts) => {
      for (const m of muts) {
        if (m.type === "attributes") record(m.target);
        else for (const n of m.addedNodes) if (n instanceof HTMLElement) n.querySelectorAll(".react-flow__node").forEach(record), record(n);
      }
    }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["class"] });
  });
  // The page is open on the first execution's graph before the measured one is launched from it.
  const warm = await launch(ctx, { template_id: tpl, inputs: { topic: "warm-up" } });
  await open(page, ctx, warm);
  await page.locator(".react-flow__node").first().waitFor();
  const id = await launch(ctx, { template_id: tpl, inputs: { topic: "measured" } });
  const navAt = await page.evaluate((to) => {
    window.history.pushState(null, "", `/executions/${to}`);
    window.dispatchEvent(new Event("atelier:navigate"));
    return Date.now();
  }, id);
  await status(page, "completed");
  const colours = await page.evaluate(() => window.__colours);
  const arrived = await page.evaluate(() => window.__arrived);
  const net = [];
  const want = { step_started: "running", step_succeeded: "succeeded", step_failed: "failed" };
  const lat = [];
  let missed = 0;
  // From when the page first drew this execution's graph (the warm-up's colours came before).
  const graphFrom = Math.min(...colours.filter((c) => c.t >= navAt).map((c) => c.t));
  for (const e of await events(ctx, id)) {
    const st = want[e.type];
    if (!st || !e.step) continue;
    const ts = Date.parse(e.ts);
    if (ts < graphFrom) continue; // before the page showed the graph
    const hit = colours.find((c) => c.id === e.step && c.t >= ts - 2 && c.cls.split(" ").includes(`step-${st}`));
    if (hit) {
      lat.push(hit.t - ts);
      if (arrived[e.seq]) net.push(arrived[e.seq] - ts);
    } else missed++;
  }
  lat.sort((a, b) => a - b);
  net.sort((a, b) => a - b);
  const q = (xs, p) => xs[Math.min(xs.length - 1, Math.ceil(p * xs.length) - 1)];
  console.log(
    `  commit-to-colour latency over ${lat.length} step status events (${missed} not seen as a colour): median ${q(lat, 0.5)} ms, p99 ${q(lat, 0.99)} ms; of which commit-to-arrival in the page: median ${q(net, 0.5)} ms, p99 ${q(net, 0.99)} ms`,
  );
  assert(lat.length >= 24, `only ${lat.length} colour changes measured`);
  await context.close();
});

test("a map of 2,000 items stays smooth: steps refetched at most once per frame", async (ctx) => {
  const t = await call(ctx, "POST", "/api/v1/templates", {
    name: "e2e map of 2000",
    inputs: { n: { type: "integer", default: 2000 } },
    nodes: [
      { id: "start", type: "start", position: { x: 0, y: 100 } },
      { id: "list", type: "code", position: { x: 220, y: 100 }, data: { label: "Make the list", input: { n: "{{inputs.n}}" }, source: "local r = {} for i = 1, input.n do r[i] = 'item ' .. i end return r" } },
      {
        id: "items",
        type: "map",
        position: { x: 440, y: 100 },
        // Lua items run on the workers (started, then succeeded, a few ms each) and, unlike
        // generate_text items, leave no 2,000 documents in the Gallery and no 4,000 ledger entries
        // for the other screens' tests, which share this server.
        data: {
          label: "One line per item",
          items: "{{steps.list.result}}",
          concurrency: 16,
          // E2E_GENERATIVE_MAP=1: generate_text items on the offline provider instead.
          node: process.env.E2E_GENERATIVE_MAP
            ? { type: "generate_text", data: { prompt: "One line about {{item}}", max_tokens: 12, cache: false } }
            : { type: "code", data: { input: { i: "{{item}}" }, source: "local s = 0 for k = 1, 200000 do s = s + k end return {line = 'item ' .. input.i}" } },
        },
      },
      { id: "end", type: "end", position: { x: 660, y: 100 }, data: { output: { count: "{{steps.items.count}}" } } },
    ],
    edges: [
      { id: "e1", source: "start", target: "list" },
      { id: "e2", source: "list", target: "items" },
      { id: "e3", source: "items", target: "end" },
    ],
  });
  const { context, page } = await signedIn(ctx);
  let stepFetches = 0;
  page.on("request", (r) => {
    if (/\/api\/v1\/executions\/[^/]+\/steps$/.test(new URL(r.url()).pathname)) stepFetches++;
  });
  await page.evaluate(() => {
    window.__long = [];
    new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__long.push(e.duration))).observe({ type: "longtask", buffered: true });
  });
  const started = Date.now();
  const id = await launch(ctx, { template_id: t.id, inputs: {} });
  await page.evaluate((to) => {
    window.history.pushState(null, "", `/executions/${to}`);
    window.dispatchEvent(new Event("atelier:navigate"));
  }, id);
  await status(page, "completed", 240000);
  await page.locator(".react-flow__node[data-id=items]").getByText("2000 / 2000").waitFor();
  const took = Date.now() - started;
  const long = await page.evaluate(() => window.__long);
  const n = (await events(ctx, id)).length;
  long.sort((a, b) => a - b);
  console.log(
    `  2,000 items: ${n} events, ${stepFetches} step refetches, done in ${took} ms; ${long.length} long tasks, longest ${Math.round(long[long.length - 1] ?? 0)} ms, total ${Math.round(long.reduce((a, b) => a + b, 0))} ms`,
  );
  assert(stepFetches < n / 4, `${stepFetches} refetches for ${n} events`);
  // The items in the panel are virtualised: a few rows in the page, not 2,000.
  await page.getByRole("list", { name: "Steps" }).getByRole("button", { name: "One line per item" }).click();
  const rows = await page.getByRole("list", { name: "Items of items" }).getByRole("listitem").count();
  assert(rows > 0 && rows < 60, `${rows} item rows in the page`);
  await page.getByRole("tab", { name: "Timeline" }).click();
  const mapRow = page.getByRole("region", { name: "Timeline" }).getByRole("listitem").filter({ hasText: "One line per item" });
  await mapRow.getByText(/of 2000 items waited for a free slot of the map/).waitFor();
  await context.close();
});
