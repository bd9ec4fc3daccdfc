// The Automations screen against the real server: a schedule made from the form (a refused cron
// expression explained next to its field, a missing input named), listed with its next due time
// in local time, paused, resumed and deleted after a confirmation; a webhook trigger made from
// the form, its secret shown once with its URL and a signed example that really launches a run
// (run as shown, in bash with openssl and curl), the secret rotated (the old example is then
// refused) and the trigger deleted; a notification endpoint made from the form (a host off the
// allow-list refused next to the URL) pointing at a receiver the test runs, which gets a launched
// run's signed POST, shown delivered with its body, and again once resent; a viewer sees the lists
// but nothing to create or change, and Resend disabled with the reason.
import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { isDeepStrictEqual } from "node:util";
import { call, finished, shot, signedIn } from "../lib.mjs";

export const tests = [];
const test = (name, fn) => tests.push({ name, fn });

function assert(ok, message) {
  if (!ok) throw new Error(message);
}

async function until(check, message, timeout = 10000) {
  const end = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(message);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// The signed delivery the page shows, run as a person would paste it into a shell.
function runExample(script) {
  return execFileSync("bash", ["-c", script], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 20000 });
}

// An HTTP receiver on 127.0.0.1:PORT that records every request (raw body kept, to check the
// signature) and answers 200.
function startReceiver(port) {
  const got = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      got.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.end("ok");
    });
  });
  return new Promise((resolveStart, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () =>
      resolveStart({
        got,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      }),
    );
  });
}

// Whether a received request is signed as docs/notifications.md says: sha256= and the hex
// HMAC-SHA256 of TIMESTAMP.BODY under the endpoint's secret.
function signedWith(secret, r) {
  const ts = r.headers["x-atelier-timestamp"];
  const want = "sha256=" + createHmac("sha256", secret).update(`${ts}.${r.body}`).digest("hex");
  return /^\d+$/.test(ts ?? "") && r.headers["x-atelier-signature"] === want && Math.abs(Date.now() / 1000 - Number(ts)) < 300;
}

async function openAutomations(page) {
  await page.getByRole("button", { name: "Automations" }).click();
  await page.getByRole("heading", { name: "Automations", exact: true }).waitFor();
}

test("automations: a schedule from the form, its next due time, paused, resumed and deleted", async (ctx) => {
  const { context, page } = await signedIn(ctx);
  await openAutomations(page);
  await page.waitForURL(/\/automations$/);
  await page.getByRole("button", { name: "New schedule…" }).click();
  const form = page.getByRole("form", { name: "New schedule" });
  await form.getByLabel("Schedule name").fill("e2e hourly post");
  await form.getByLabel("Template").selectOption({ label: "Instagram post" });
  const product = form.getByLabel(/^product/);
  await product.waitFor();
  // The time zone is the browser's by default.
  const browserZone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
  assert((await form.getByLabel("Time zone").inputValue()) === browserZone, `the time zone is not the browser's ${browserZone}`);
  // A cron expression the server refuses: its message next to the field, which takes the focus.
  await product.fill("oat milk");
  const cron = form.getByLabel("Cron expression", { exact: true });
  await cron.fill("0 99 * * *");
  await form.getByRole("button", { name: "Create schedule" }).click();
  await form.getByText("99 is out of range 0-23").waitFor();
  assert((await cron.getAttribute("aria-invalid")) === "true", "the cron field is not marked invalid");
  const describedBy = (await cron.getAttribute("aria-describedby")) ?? "";
  assert(describedBy.split(" ").some((id) => id.endsWith("-error")), "the cron field is not described by its message");
  await until(() => cron.evaluate((el) => el === document.activeElement), "the refused field does not take the focus");
  // An interval instead; a required input left empty is named before anything is sent.
  await form.getByLabel("Every N seconds").check();
  await form.getByLabel("Interval in seconds").fill("3600");
  await form.getByText("A launch every 1 h.").waitFor();
  await product.fill("");
  await form.getByRole("button", { name: "Create schedule" }).click();
  await form.getByText("product is required").waitFor();
  assert((await call(ctx, "GET", "/api/v1/schedules")).items.length === 0, "a schedule was stored with a missing input");
  await product.fill("oat milk");
  await form.getByRole("button", { name: "Create schedule" }).click();
  // The five next fire times, one hour apart, in local time.
  const created = page.getByRole("region", { name: "Schedule e2e hourly post created" });
  const fires = created.getByRole("list", { name: "Next fire times of e2e hourly post" }).getByRole("listitem");
  await until(async () => (await fires.count()) === 5, "the next five fire times are not shown");
  const stored = (await call(ctx, "GET", "/api/v1/schedules")).items.find((s) => s.name === "e2e hourly post");
  assert(stored && stored.every_seconds === 3600 && stored.inputs.product === "oat milk" && stored.template === "Instagram post", `stored: ${JSON.stringify(stored)}`);
  const local = await page.evaluate((times) => times.map((t) => new Date(t).toLocaleString()), stored.next_fire_times);
  const shown = await created.locator("time").allInnerTexts();
  assert(JSON.stringify(shown) === JSON.stringify(local), `the fire times shown: ${shown}, in local time: ${local}`);
  // Listed: template, when, next due time (local) and how far it is, active.
  const row = page.locator(`tr[data-schedule="${stored.id}"]`);
  await row.waitFor();
  const text = await row.innerText();
  assert(text.includes("Instagram post") && text.includes("every 3600 s (1 h)") && text.includes("active"), `the row: ${text}`);
  const due = await row.getByTestId("next-due").locator("time").first().innerText();
  assert(due === (await page.evaluate((t) => new Date(t).toLocaleString(), stored.next_due_at)), `next due shown as ${due}`);
  assert(/in (59 min|1 h)/.test(await row.getByTestId("next-due").innerText()), "the row does not say how far the next due time is");
  await shot(page, "automations");
  // Pause and resume.
  await row.getByRole("button", { name: "Pause e2e hourly post" }).click();
  await page.locator(`tr[data-schedule="${stored.id}"][data-paused="true"]`).waitFor();
  await row.getByText("none while paused").waitFor();
  assert((await call(ctx, "GET", `/api/v1/schedules/${stored.id}`)).paused === true, "the server does not have it paused");
  await row.getByRole("button", { name: "Resume e2e hourly post" }).click();
  await page.locator(`tr[data-schedule="${stored.id}"][data-paused="false"]`).waitFor();
  await row.getByTestId("next-due").locator("time").first().waitFor();
  assert((await call(ctx, "GET", `/api/v1/schedules/${stored.id}`)).paused === false, "the server does not have it resumed");
  // Delete, after a confirmation ("Keep it" keeps it).
  await row.getByRole("button", { name: "Delete e2e hourly post" }).click();
  await row.getByRole("group", { name: "Confirm deleting e2e hourly post" }).getByRole("button", { name: "Keep it" }).click();
  assert((await call(ctx, "GET", "/api/v1/schedules")).items.length === 1, "Keep it deleted the schedule");
  await row.getByRole("button", { name: "Delete e2e hourly post" }).click();
  await row.getByRole("button", { name: "Yes, delete" }).click();
  await row.waitFor({ state: "detached" });
  await page.getByText("No schedule yet.").waitFor();
  assert((await call(ctx, "GET", "/api/v1/schedules")).items.length === 0, "the schedule is still stored");
  await context.close();
});

test("automations: a webhook trigger, its secret once, a signed delivery that launches a run, rotated and deleted", async (ctx) => {
  const { context, page } = await signedIn(ctx);
  await openAutomations(page);
  await page.getByRole("button", { name: "New trigger…" }).click();
  const form = page.getByRole("form", { name: "New trigger" });
  await form.getByLabel("Trigger name").fill("e2e cms");
  await form.getByLabel("Template").selectOption({ label: "Instagram post" });
  await form.getByRole("button", { name: "Add a mapping" }).click();
  await form.getByLabel("Input of row 1").selectOption("product");
  await form.getByLabel("JSON pointer of row 1").fill("data/name");
  await form.getByRole("button", { name: "Create trigger" }).click();
  await form.getByText("is not a JSON pointer").waitFor();
  await form.getByLabel("JSON pointer of row 1").fill("/data/name");
  await form.getByRole("button", { name: "Create trigger" }).click();
  // The secret, once, in a marked box with its URL and a ready-to-run example.
  const box = page.getByRole("region", { name: "Secret of the trigger e2e cms" });
  await box.waitFor();
  const secret = await box.getByTestId("trigger-secret").innerText();
  assert(/^whsec_[0-9a-f]{64}$/.test(secret), `the secret shown is ${secret}`);
  assert((await box.innerText()).includes("You will not see it again"), "no warning that the secret is shown once");
  await box.getByRole("button", { name: "Copy the secret" }).waitFor();
  const stored = (await call(ctx, "GET", "/api/v1/triggers")).items.find((t) => t.name === "e2e cms");
  assert(stored && stored.map?.product === "/data/name" && stored.secret === undefined, `stored: ${JSON.stringify(stored)}`);
  const url = `${ctx.base}/api/v1/hooks/${stored.id}`;
  assert((await box.getByTestId("trigger-new-url").innerText()) === url, "the box does not show the full URL");
  const row = page.locator(`tr[data-trigger="${stored.id}"]`);
  assert((await row.getByTestId("trigger-url").innerText()) === url, "the list does not show the full URL");
  await row.getByRole("button", { name: "Copy the URL of e2e cms" }).waitFor();
  assert((await row.getByTestId("delivery-count").innerText()) === "0", "a new trigger counts deliveries");
  // A schedule in a time zone beside it, for the picture and the viewer's test.
  await call(ctx, "POST", "/api/v1/schedules", {
    name: "e2e weekly post",
    template: "Instagram post",
    inputs: { product: "kefir" },
    cron: "0 9 * * mon",
    time_zone: "Europe/Paris",
  });
  await page.reload();
  await page.locator("tr[data-schedule]", { hasText: "e2e weekly post" }).waitFor();
  assert((await page.getByTestId("trigger-secret").count()) === 0, "the secret is shown again after a reload");
  assert(!(await page.content()).includes(secret), "the secret is in the page after a reload");
  // Show it again for the picture: rotate (after a confirmation) gives a new secret, once.
  await row.getByRole("button", { name: "Rotate the secret of e2e cms" }).click();
  await row.getByRole("button", { name: "Yes, rotate" }).click();
  const rotated = await box.getByTestId("trigger-secret").innerText();
  assert(/^whsec_[0-9a-f]{64}$/.test(rotated) && rotated !== secret, "rotating shows no new secret");
  const example = await box.getByTestId("signing-example").innerText();
  assert(example.includes(rotated) && example.includes(url) && example.includes("openssl dgst -sha256 -hmac"), `the example: ${example}`);
  await box.evaluate((el) => el.scrollIntoView({ block: "center" }));
  await shot(page, "automations-trigger");
  // The example, run as shown, launches the template with the mapped input.
  const answer = JSON.parse(runExample(example));
  assert(/^ex_/.test(answer.id ?? "") && answer.inputs?.product === "your product", `the delivery answered ${JSON.stringify(answer)}`);
  // The list follows the stream: one delivery, its run linked.
  await until(async () => (await row.getByTestId("delivery-count").innerText()) === "1", "the delivery is not counted");
  const link = row.getByRole("link", { name: answer.id });
  await link.waitFor();
  assert((await finished(ctx, answer.id)).status === "completed", "the delivered run did not complete");
  // An example signed with the old secret is refused.
  const old = runExample(example.replace(rotated, secret));
  assert(old.includes("unauthenticated"), `the old secret's delivery answered ${old}`);
  await box.getByRole("button", { name: "I have saved it" }).click();
  await box.waitFor({ state: "detached" });
  await link.click();
  await page.waitForURL(new RegExp(`/executions/${answer.id}$`));
  await page.goBack();
  await row.waitFor();
  // Delete, after a confirmation: its URL answers 404 from then on.
  await row.getByRole("button", { name: "Delete e2e cms" }).click();
  await row.getByRole("button", { name: "Yes, delete" }).click();
  await row.waitFor({ state: "detached" });
  const gone = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
  assert(gone.status === 404, `the deleted trigger's URL answers ${gone.status}`);
  await call(ctx, "GET", `/api/v1/triggers/${stored.id}`, undefined, [404]);
  await context.close();
});

test("automations: a notification endpoint from the form, a signed delivery received, shown delivered with its body, and resent", async (ctx) => {
  assert(ctx.receiverPort, "the runner gave no receiver port (e2e/run.mjs)");
  const port = ctx.receiverPort;
  const receiver = await startReceiver(port);
  const { context, page } = await signedIn(ctx);
  try {
    await openAutomations(page);
    const section = page.getByRole("region", { name: "Notifications" });
    // The endpoint that signs launch callbacks is listed from the first listing on.
    await section.locator("tr[data-endpoint]", { hasText: "launch-callbacks" }).getByText("each launch's notify.url").waitFor();
    await section.getByRole("button", { name: "New endpoint…" }).click();
    const form = page.getByRole("form", { name: "New endpoint" });
    await form.getByLabel("Endpoint name").fill("e2e receiver");
    // A port the operator did not allow: the server's refusal next to the URL, which takes the focus.
    const url = form.getByLabel("URL");
    await url.fill(`http://127.0.0.1:${port === 65535 ? port - 1 : port + 1}/hook`);
    await form.getByRole("checkbox", { name: /^approval requested/ }).uncheck();
    await form.getByLabel("Only runs of (optional)").selectOption({ label: "Instagram post" });
    await form.getByRole("button", { name: "Create endpoint" }).click();
    await form.getByText("is not on the allow-list").waitFor();
    assert((await url.getAttribute("aria-invalid")) === "true", "the URL field is not marked invalid");
    assert(((await url.getAttribute("aria-describedby")) ?? "").split(" ").some((id) => id.endsWith("-error")), "the URL field is not described by its message");
    await until(() => url.evaluate((el) => el === document.activeElement), "the refused URL does not take the focus");
    await url.fill(`http://127.0.0.1:${port}/hook?token=e2e`);
    await form.getByRole("button", { name: "Create endpoint" }).click();
    // The secret, once, with a copy button.
    const box = page.getByRole("region", { name: "Secret of the endpoint e2e receiver" });
    const secret = await box.getByTestId("endpoint-secret").innerText();
    assert(/^whsec_[0-9a-f]{64}$/.test(secret), `the secret shown is ${secret}`);
    assert((await box.innerText()).includes("You will not see it again"), "no warning that the secret is shown once");
    await box.getByRole("button", { name: "Copy the secret" }).waitFor();
    const stored = (await call(ctx, "GET", "/api/v1/notifications/endpoints")).items.find((e) => e.name === "e2e receiver");
    assert(
      stored && stored.template === "Instagram post" && stored.events.join() === "execution_completed,execution_failed,execution_stopped" && stored.secret === undefined,
      `stored: ${JSON.stringify(stored)}`,
    );
    const row = section.locator(`tr[data-endpoint="${stored.id}"]`);
    const rowText = await row.innerText();
    // Shown without its query string, where tokens travel.
    assert(rowText.includes(`http://127.0.0.1:${port}/hook`) && !rowText.includes("token=e2e") && rowText.includes("completed, failed, stopped") && rowText.includes("active"), `the row: ${rowText}`);
    await box.getByRole("button", { name: "I have saved it" }).click();
    await box.waitFor({ state: "detached" });

    // A launched run reports to the receiver, signed with the secret.
    const run = await call(ctx, "POST", "/api/v1/executions", { template_name: "Instagram post", inputs: { product: "e2e oat milk" } });
    const fromRun = () => receiver.got.filter((r) => r.headers["x-atelier-event"] === "execution_completed" && JSON.parse(r.body).execution?.id === run.id);
    await until(() => fromRun().length > 0, "the receiver got no notification of the run", 60000);
    const first = fromRun()[0];
    const delivery = first.headers["x-atelier-delivery"];
    const body = JSON.parse(first.body);
    assert(first.method === "POST" && first.url === "/hook?token=e2e" && first.headers["content-type"] === "application/json", `the request: ${first.method} ${first.url}`);
    assert(signedWith(secret, first), `the signature does not check: ${JSON.stringify(first.headers)}`);
    assert(body.id === delivery && body.type === "execution_completed" && body.execution.template_name === "Instagram post", `the body: ${first.body}`);

    // Shown delivered: event, endpoint, run (linked), one attempt, the receiver's 200.
    const drow = section.locator(`tr[data-delivery="${delivery}"]`);
    await section.locator(`tr[data-delivery="${delivery}"][data-status="delivered"]`).waitFor({ timeout: 15000 });
    const dtext = await drow.innerText();
    assert(dtext.includes("completed") && dtext.includes("e2e receiver") && dtext.includes("delivered"), `the delivery row: ${dtext}`);
    assert((await drow.getByTestId("attempts").innerText()) === "1", "the delivery does not count one attempt");
    assert((await drow.getByTestId("last-answer").innerText()) === "HTTP 200", "the delivery does not show the receiver's 200");
    await drow.getByRole("link", { name: run.id }).waitFor();
    // Its body: the JSON the receiver got.
    await drow.getByRole("button", { name: `Show the body of ${delivery}` }).click();
    const shown = JSON.parse(await section.getByTestId("delivery-body").innerText());
    assert(isDeepStrictEqual(shown, body), `the body shown: ${JSON.stringify(shown)}`);
    await section.evaluate((el) => {
      el.scrollIntoView({ block: "start" });
      window.scrollBy(0, -12);
    });
    await shot(page, "notifications");

    // Resent: the receiver gets it again, same id and body, signed; the row counts two attempts.
    await drow.getByRole("button", { name: `Resend ${delivery}` }).click();
    const again = () => receiver.got.filter((r) => r.headers["x-atelier-delivery"] === delivery);
    await until(() => again().length === 2, "the resent delivery did not arrive", 20000);
    assert(again()[1].body === first.body && signedWith(secret, again()[1]), "the resent delivery differs or is not signed");
    await until(async () => (await drow.getAttribute("data-status")) === "delivered" && (await drow.getByTestId("attempts").innerText()) === "2", "the row does not show the resend delivered");
    assert((await call(ctx, "GET", `/api/v1/notifications/deliveries/${delivery}`)).attempts === 2, "the server does not count two attempts");

    // The status filter.
    const filter = section.getByLabel("Status");
    await filter.selectOption("failed");
    await section.getByText("No failed delivery.").waitFor();
    await filter.selectOption("delivered");
    await drow.waitFor();
    await filter.selectOption("");

    // Pause and resume; delete after a confirmation (the record of its deliveries stays).
    await row.getByRole("button", { name: "Pause e2e receiver" }).click();
    await section.locator(`tr[data-endpoint="${stored.id}"][data-paused="true"]`).waitFor();
    assert((await call(ctx, "GET", `/api/v1/notifications/endpoints/${stored.id}`)).paused === true, "the server does not have it paused");
    await row.getByRole("button", { name: "Resume e2e receiver" }).click();
    await section.locator(`tr[data-endpoint="${stored.id}"][data-paused="false"]`).waitFor();
    await row.getByRole("button", { name: "Delete e2e receiver" }).click();
    await row.getByRole("group", { name: "Confirm deleting e2e receiver" }).getByRole("button", { name: "Keep it" }).click();
    await row.getByRole("button", { name: "Delete e2e receiver" }).click();
    await row.getByRole("button", { name: "Yes, delete" }).click();
    await row.waitFor({ state: "detached" });
    await call(ctx, "GET", `/api/v1/notifications/endpoints/${stored.id}`, undefined, [404]);
    assert((await drow.innerText()).includes(`deleted (${stored.id})`), "the delivery does not say its endpoint was deleted");
  } finally {
    await context.close();
    await receiver.close();
  }
});

test("automations: a viewer sees the schedules, triggers and notifications, with nothing to create or change", async (ctx) => {
  const hook = await call(ctx, "POST", "/api/v1/triggers", { name: "e2e viewer hook", template: "Instagram post" });
  const viewer = await call(ctx, "POST", "/api/v1/keys", { role: "viewer", name: "automations viewer" });
  const { context, page } = await signedIn(ctx, viewer.secret);
  await openAutomations(page);
  await page.locator("tr[data-schedule]", { hasText: "e2e weekly post" }).waitFor();
  await page.locator(`tr[data-trigger="${hook.id}"]`).waitFor();
  assert((await page.locator("tr[data-schedule]", { hasText: "e2e weekly post" }).innerText()).includes("cron 0 9 * * mon (Europe/Paris)"), "the viewer does not see when it fires");
  await page.getByText("creating and changing them needs editor").waitFor();
  // Deliveries are listed; Resend is disabled with the reason.
  const resend = page.locator("tr[data-delivery]").first().getByRole("button", { name: /^Resend / });
  await resend.waitFor();
  assert(await resend.isDisabled(), "a viewer may resend");
  assert((await resend.getAttribute("title")) === "Your key has the viewer role: resending needs editor", "Resend does not say why it is disabled");
  for (const name of [/^New schedule/, /^New trigger/, /^New endpoint/, /^Pause /, /^Resume /, /^Delete /, /^Rotate /]) {
    assert((await page.getByRole("button", { name }).count()) === 0, `a viewer is offered ${name}`);
  }
  await context.close();
  for (const s of (await call(ctx, "GET", "/api/v1/schedules")).items) await call(ctx, "DELETE", `/api/v1/schedules/${s.id}`, undefined, [204]);
  await call(ctx, "DELETE", `/api/v1/triggers/${hook.id}`, undefined, [204]);
});
