// The Runs, Templates, launch form, Gallery, Credits and Keys screens, as a content team uses
// them: find runs by template and status and page through them, close the tab mid-run and find
// the job finished, launch a batch from a CSV file, look at the images a run made, see the credits
// each run spent, make and revoke a key; a viewer sees Keys disabled with the reason.
import { call, finished, shot, signedIn } from "../lib.mjs";

export const tests = [];
const test = (name, fn) => tests.push({ name, fn });

function assert(ok, message) {
  if (!ok) throw new Error(message);
}

// Waits until `check()` holds (what the page shows settles after a filter changes).
async function until(check, message, timeout = 10000) {
  const end = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(message);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const edges = (pairs) => pairs.map(([source, target], i) => ({ id: `e${i}`, source, target }));

// Templates the scenarios need, made once per server.
async function templates(ctx) {
  if (ctx.screensTemplates) return ctx.screensTemplates;
  const batch = await call(ctx, "POST", "/api/v1/templates", {
    name: "Product batch",
    category: "catalog",
    description: "One line per product of a list",
    inputs: { products: { type: "list", required: true, description: "The products, one item each" } },
    nodes: [
      { id: "start", type: "start" },
      {
        id: "lines",
        type: "map",
        data: {
          label: "One line per product",
          items: "{{inputs.products}}",
          concurrency: 16,
          node: { type: "transform", data: { output: { line: "{{item.name}} in {{item.color}}" } } },
        },
      },
      { id: "done", type: "end" },
    ],
    edges: edges([["start", "lines"], ["lines", "done"]]),
  });
  const slow = await call(ctx, "POST", "/api/v1/templates", {
    name: "Slow note",
    category: "testing",
    description: "Two drafts that take a few seconds each",
    inputs: { topic: { type: "string", required: true } },
    nodes: [
      { id: "start", type: "start" },
      { id: "first", type: "generate_text", data: { prompt: "A note on {{inputs.topic}}", latency_ms: 2500 } },
      { id: "second", type: "generate_text", data: { prompt: "Again: {{steps.first.text}}", latency_ms: 2500 } },
      { id: "done", type: "end" },
    ],
    edges: edges([["start", "first"], ["first", "second"], ["second", "done"]]),
  });
  const tiny = await call(ctx, "POST", "/api/v1/templates", {
    name: "Tiny",
    category: "testing",
    nodes: [{ id: "start", type: "start" }, { id: "done", type: "end" }],
    edges: edges([["start", "done"]]),
  });
  const all = await call(ctx, "GET", "/api/v1/templates?limit=100");
  const blog = all.items.find((t) => t.name === "Blog article");
  ctx.screensTemplates = { batch, slow, tiny, blog };
  return ctx.screensTemplates;
}

// The page is no wider than the window: wide tables scroll inside their own box.
async function fitsWidth(page, what) {
  const { scroll, width } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    width: window.innerWidth,
  }));
  assert(scroll <= width + 1, `${what} is ${scroll}px wide in a ${width}px window`);
}

const products = (n) =>
  "name,color\n" + Array.from({ length: n }, (_, i) => `Product ${i + 1},${["red", "teal", "sand"][i % 3]}`).join("\n") + "\n";

test("templates: cards by category, search, category filter, versions and a clone", async (ctx) => {
  await templates(ctx);
  const { context, page } = await signedIn(ctx);
  await page.getByRole("button", { name: "Templates" }).click();
  await page.getByRole("region", { name: "Category blog" }).waitFor();
  await shot(page, "templates");
  const cards = page.locator(".card");
  const total = await cards.count();
  await page.getByLabel("Search").fill("instagram");
  await until(async () => (await cards.count()) === 1, "searching \"instagram\" does not narrow to one card");
  assert((await cards.first().locator("h3").innerText()) === "Instagram post", "the search found another card");
  await page.getByLabel("Search").fill("");
  await page.getByLabel("Category", { exact: true }).selectOption("testing");
  await until(async () => (await cards.count()) === 2, "the testing category does not show its two cards");
  const names = await page.locator(".card h3").allInnerTexts();
  assert(names.join(",") === "Slow note,Tiny", `the testing category shows ${names}`);
  await page.getByLabel("Category", { exact: true }).selectOption("");
  await until(async () => (await cards.count()) === total, "clearing the filter does not bring every card back");
  const blog = page.locator(".card", { has: page.getByRole("heading", { name: "Blog article", exact: true }) });
  await blog.getByRole("button", { name: "Versions" }).click();
  await blog.getByRole("list", { name: "Versions of Blog article" }).getByText("version 1").waitFor();
  await blog.getByRole("button", { name: "Clone" }).click();
  await blog.getByLabel("Name of the copy").fill("Our blog article");
  await blog.getByRole("button", { name: "Make the copy" }).click();
  await page.getByRole("heading", { name: "Our blog article", exact: true }).waitFor();
  // A second copy under the same name is refused, with the API's reason next to the form.
  await blog.getByRole("button", { name: "Clone" }).click();
  await blog.getByLabel("Name of the copy").fill("Our blog article");
  await blog.getByRole("button", { name: "Make the copy" }).click();
  const refusal = await blog.getByRole("alert").innerText();
  assert(/in use|exists|taken/i.test(refusal), `a duplicate name is explained as: ${refusal}`);
  // "Edit in designer" goes to the designer's address.
  await blog.getByRole("button", { name: "Edit in designer" }).click();
  await page.waitForURL(/\/designer\/tpl_/);
  await context.close();
});

test("launch: a list filled from a CSV file of 500 products, previewed, launched once", async (ctx) => {
  const { batch } = await templates(ctx);
  const { context, page } = await signedIn(ctx);
  await page.goto(`${ctx.base}/templates/${batch.id}/launch`);
  await page.getByRole("heading", { name: "Launch Product batch" }).waitFor();
  const file = page.getByLabel("Fill products from a CSV or JSON file");
  // A file with broken rows: each problem is named by its row, and nothing is launched.
  await file.setInputFiles({ name: "broken.csv", mimeType: "text/csv", buffer: Buffer.from("name,color\nSock,red\nHat\nScarf,green,wool\n") });
  const problems = page.getByRole("list", { name: "Problems in broken.csv" });
  await problems.waitFor();
  const text = await problems.innerText();
  assert(text.includes("Row 2") && text.includes("Row 3"), `the problems are not named by row: ${text}`);
  await page.getByRole("button", { name: "Launch", exact: true }).click();
  await page.getByText("2 rows have problems in broken.csv").waitFor();
  assert(page.url().includes("/launch"), "a broken file was launched");
  await page.getByRole("button", { name: "Clear" }).click();
  await file.setInputFiles({ name: "products.csv", mimeType: "text/csv", buffer: Buffer.from(products(500)) });
  await page.getByTestId("list-count").filter({ hasText: "500 items" }).waitFor();
  const preview = page.getByRole("group", { name: "Preview of products.csv" });
  assert((await preview.locator("tbody tr").count()) === 5, "the preview does not show the first rows");
  assert((await preview.locator("tbody tr").first().innerText()).includes("Product 1"), "the first row is not Product 1");
  await page.getByTestId("estimate-total").waitFor();
  await page.getByTestId("estimate-credits").filter({ hasText: /covers it|does not charge/ }).waitFor();
  await shot(page, "launch-form");
  await page.getByRole("button", { name: "Launch", exact: true }).click();
  await page.waitForURL(/\/executions\/ex_/);
  const id = decodeURIComponent(new URL(page.url()).pathname.split("/").pop());
  // The execution view shows the run; no second "Start" anywhere.
  await page.getByTestId("execution-status").waitFor();
  assert((await page.getByRole("button", { name: /^Start( generation)?$/ }).count()) === 0, "a Start button after Launch");
  const run = await finished(ctx, id);
  assert(run.status === "completed", `the batch ended ${run.status}`);
  assert(run.inputs.products.length === 500, `${run.inputs.products.length} products were launched`);
  assert(run.inputs.products[499].name === "Product 500", "the last product is not Product 500");
  const list = await call(ctx, "GET", `/api/v1/executions?template_id=${batch.id}`);
  assert(list.items.length === 1, `${list.items.length} executions were launched`);
  // "Back" from the execution: the form filled with the run's inputs.
  await page.goto(`${ctx.base}/templates/${batch.id}/launch?from=${id}`);
  await page.getByTestId("list-count").filter({ hasText: "500 items" }).waitFor();
  await context.close();
});

test("runs: close the tab mid-run, open a new one, find the job finished at 100%", async (ctx) => {
  const { slow } = await templates(ctx);
  const first = await signedIn(ctx);
  await first.page.goto(`${ctx.base}/templates/${slow.id}/launch`);
  await first.page.getByLabel("topic").fill("Tomatoes");
  await first.page.getByRole("button", { name: "Launch", exact: true }).click();
  await first.page.waitForURL(/\/executions\/ex_/);
  const id = decodeURIComponent(new URL(first.page.url()).pathname.split("/").pop());
  await first.page.getByTestId("execution-status").filter({ hasText: "running" }).waitFor();
  await first.context.close();
  const during = await call(ctx, "GET", `/api/v1/executions/${id}`);
  assert(during.status === "running", `closing the tab left it ${during.status}`);
  const second = await signedIn(ctx);
  const row = second.page.locator(`tr[data-execution="${id}"]`);
  await row.waitFor();
  assert((await row.locator("td").nth(1).innerText()) === "Slow note", "the row does not name its template");
  // The stream moves the row: running now, completed at 100% when the job ends.
  await second.page.locator(`tr[data-execution="${id}"][data-status="completed"]`).waitFor({ timeout: 30000 });
  await row.getByTestId("run-percent").filter({ hasText: "100%" }).waitFor();
  await row.getByText(/^stage (\d+) of \1$/).waitFor();
  await second.context.close();
});

test("runs: a paused run says why it waits, from the stream, and goes on when resumed", async (ctx) => {
  const { slow } = await templates(ctx);
  const { context, page } = await signedIn(ctx);
  const run = await call(ctx, "POST", "/api/v1/executions", { template_id: slow.id, inputs: { topic: "Pears" } });
  const row = page.locator(`tr[data-execution="${run.id}"]`);
  await row.waitFor();
  await call(ctx, "POST", `/api/v1/executions/${run.id}/pause`);
  await page.locator(`tr[data-execution="${run.id}"][data-status="paused"]`).waitFor();
  const why = await row.locator(".wait-reason").innerText();
  assert(/paused/.test(why), `a paused run explains: ${why}`);
  await until(async () => (await call(ctx, "GET", `/api/v1/executions/${run.id}`)).status === "paused", "the run does not settle paused", 20000);
  await call(ctx, "POST", `/api/v1/executions/${run.id}/resume`);
  await page.locator(`tr[data-execution="${run.id}"][data-status="completed"]`).waitFor({ timeout: 30000 });
  await row.getByTestId("run-percent").filter({ hasText: "100%" }).waitFor();
  await context.close();
});

test("runs: template names, filters narrow the list, paging continues it", async (ctx) => {
  const { tiny, blog } = await templates(ctx);
  const ids = [];
  for (let i = 0; i < 52; i++) ids.push((await call(ctx, "POST", "/api/v1/executions", { template_id: tiny.id, inputs: {} })).id);
  for (const id of ids) await finished(ctx, id);
  await finished(ctx, (await call(ctx, "POST", "/api/v1/executions", { template_id: blog.id, inputs: { topic: "Bees" } })).id);
  const { context, page } = await signedIn(ctx);
  await page.locator("tr[data-execution]").first().waitFor();
  await page.getByText("50 runs shown").waitFor();
  const templatesShown = await page.locator("tr[data-execution] td:nth-child(2)").allInnerTexts();
  assert(templatesShown.every((t) => t && !t.startsWith("tpl_")), `template ids shown: ${templatesShown.filter((t) => !t || t.startsWith("tpl_"))}`);
  const top = page.locator("tr[data-execution]").first();
  assert((await top.locator("td").nth(1).innerText()) === "Blog article", "the newest run is not first");
  await top.getByTestId("run-percent").filter({ hasText: "100%" }).waitFor();
  await top.getByText(/^stage (\d+) of \1$/).waitFor();
  const percents = await page.locator("tr[data-status=completed] [data-testid=run-percent]").allInnerTexts();
  assert(percents.length > 5 && percents.every((p) => p === "100%"), `completed runs at ${[...new Set(percents)]}`);
  assert(/\d cr$/.test(await top.locator("td").nth(6).innerText()), "the row shows no cost");
  await shot(page, "runs");
  await page.getByRole("button", { name: "Load more" }).click();
  await page.getByText(/^(5[3-9]|[6-9]\d) runs shown/).waitFor();
  // Virtualised: the page holds the rows in view (and a few around them), not every row.
  const shownCount = Number((await page.locator(".pager .muted").first().innerText()).split(" ")[0]);
  const inDom = await page.locator("tr[data-execution]").count();
  assert(inDom < shownCount, `${inDom} rows in the page for ${shownCount} runs`);
  const firstId = await page.locator("tr[data-execution]").first().getAttribute("data-execution");
  await page.getByRole("region", { name: "Runs list" }).evaluate((el) => (el.scrollTop = el.scrollHeight));
  await until(
    async () => (await page.locator("tr[data-execution]").first().getAttribute("data-execution")) !== firstId,
    "scrolling to the end does not swap the rows",
  );
  // Filters: one template; then one status.
  await page.getByLabel("Template").selectOption({ label: "Blog article" });
  await until(async () => /^[1-9] runs? shown/.test(await page.locator(".pager .muted").first().innerText()), "the template filter does not narrow the list");
  const names = await page.locator("tr[data-execution] td:nth-child(2)").allInnerTexts();
  assert(names.length >= 1 && names.every((n) => n === "Blog article"), `filtered by template: ${names}`);
  await page.getByLabel("Template").selectOption("");
  await page.getByLabel("Status").selectOption("completed");
  await page.getByText("50 runs shown").waitFor();
  const statuses = await page.locator("tr[data-execution]").evaluateAll((rows) => rows.map((r) => r.dataset.status));
  assert(statuses.every((s) => s === "completed"), `filtered by status: ${statuses}`);
  await page.getByLabel("Status").selectOption("failed");
  await page.getByText("No runs match these filters.").waitFor();
  await page.getByLabel("Status").selectOption("");
  await page.getByLabel("Started").selectOption("1h");
  await page.getByText("50 runs shown").waitFor();
  await context.close();
});

test("gallery: a run's image as a thumbnail and in a lightbox, documents listed, all downloadable", async (ctx) => {
  const { blog } = await templates(ctx);
  const run = await call(ctx, "POST", "/api/v1/executions", { template_id: blog.id, inputs: { topic: "Lighthouses" } });
  await finished(ctx, run.id);
  const { context, page } = await signedIn(ctx);
  await page.getByRole("button", { name: "Gallery" }).click();
  await page.getByLabel("Run").selectOption(run.id);
  const image = page.getByRole("img", { name: /Lighthouses/ });
  await image.waitFor();
  assert(await image.evaluate((img) => img.complete && img.naturalWidth > 0), "the thumbnail did not load");
  // The list may still be every run's for a moment: wait for the Run filter to narrow it.
  await until(async () => (await page.locator(".doc-list li", { hasText: "article.md" }).count()) === 1,
              "the Run filter does not narrow the documents to this run's article.md");
  const docs = await page.locator(".doc-list li").allInnerTexts();
  assert(docs.some((d) => d.includes("article.md")), `the documents: ${docs}`);
  const download = page.locator(".doc-list li", { hasText: "article.md" }).getByRole("link", { name: "Download" });
  const href = await download.getAttribute("href");
  const body = await page.evaluate(async (url) => (await fetch(url)).text(), href);
  assert(body.length > 50, "the document does not download");
  // Every run: newest first, so this run's image leads.
  await page.getByLabel("Run").selectOption("");
  const total = (await call(ctx, "GET", "/api/v1/artifacts?limit=10000")).items.length;
  await page.locator(".pager").getByText(`of ${total} shown, newest first`).waitFor();
  assert((await page.locator(".gallery-grid li").first().getAttribute("data-artifact")) !== null, "no image first");
  assert((await page.locator(".gallery-grid li").first().innerText()).includes(run.id), "the newest image is not first");
  await shot(page, "gallery");
  await page.getByRole("button", { name: new RegExp(`Enlarge featured_image.png of ${run.id}`) }).click();
  const box = page.getByRole("dialog");
  await box.waitFor();
  assert(await box.getByRole("img").evaluate((img) => img.complete && img.naturalWidth >= 1000), "the lightbox image is not large");
  await page.keyboard.press("Escape");
  await box.waitFor({ state: "detached" });
  await page.getByLabel("Template").selectOption({ label: "Slow note" });
  await until(async () => (await page.locator(".gallery-grid img").count()) === 0 && (await page.locator(".doc-list li").count()) > 0, "the template filter does not narrow the gallery");
  const slowDocs = await page.locator(".doc-list li").allInnerTexts();
  assert(slowDocs.every((d) => /first\.md|second\.md/.test(d)), `Slow note's documents: ${slowDocs}`);
  await page.getByLabel("Template").selectOption("");
  await page.getByLabel("Kind").selectOption("document");
  await until(async () => (await page.locator(".gallery-grid img").count()) === 0, "images shown under Documents");
  await page.locator(".doc-list li").first().waitFor();
  await context.close();
});

test("credits: a grant, the balance, the ledger and what each run spent", async (ctx) => {
  const { context, page } = await signedIn(ctx);
  await page.getByRole("button", { name: "Credits" }).click();
  await page.getByRole("heading", { name: "Ledger" }).waitFor();
  await page.getByLabel("Credits to grant").fill("0");
  await page.getByRole("button", { name: "Grant" }).click();
  await page.getByText("The amount must be a number of credits above 0.").waitFor();
  await page.getByLabel("Credits to grant").fill("25");
  await page.getByLabel("Note").fill("December budget");
  await page.getByRole("button", { name: "Grant" }).click();
  await page.getByRole("status").filter({ hasText: "Granted 25 cr" }).waitFor();
  await page.getByTestId("balance").filter({ hasText: "25 cr" }).waitFor();
  const grant = page.locator("tr[data-ledger-kind=grant]", { hasText: "December budget" });
  await grant.waitFor();
  assert((await grant.innerText()).includes("25 cr"), "the grant's amount is not in the ledger");
  const spend = page.getByRole("table", { name: "What each run spent" });
  const runs = await spend.locator("tbody tr").count();
  assert(runs >= 2, `${runs} runs in the spending table`);
  await shot(page, "credits");
  const link = spend.locator("tbody tr").first().getByRole("link");
  const id = await link.innerText();
  await link.click();
  await page.waitForURL(new RegExp(`/executions/${id}`));
  await context.close();
});

test("keys: create one, its secret shown once, revoke it after a confirmation", async (ctx) => {
  const { context, page } = await signedIn(ctx);
  await page.getByRole("button", { name: "Keys" }).click();
  await page.getByRole("table", { name: "API keys" }).waitFor();
  await page.getByLabel("Key name").fill("e2e writer");
  await page.getByLabel("Role").selectOption("editor");
  await page.getByRole("button", { name: "Create key" }).click();
  const secret = await page.getByTestId("new-secret").innerText();
  assert(/^atl_[0-9a-f]{40}$/.test(secret), `the secret shown is ${secret}`);
  assert(await page.getByText("shown only this once").isVisible(), "no warning that the secret is shown once");
  await page.getByRole("button", { name: "Copy the secret" }).waitFor();
  const row = page.locator("tr", { hasText: "e2e writer" });
  assert((await row.innerText()).includes(secret.slice(0, 12)), "the list does not show the key's prefix");
  await shot(page, "keys");
  const works = await fetch(`${ctx.base}/api/v1/workspace`, { headers: { Authorization: `Bearer ${secret}` } });
  assert(works.status === 200, `the new key answers ${works.status}`);
  await page.getByRole("button", { name: "I have saved it" }).click();
  await page.reload();
  await page.getByRole("table", { name: "API keys" }).waitFor();
  assert((await page.getByTestId("new-secret").count()) === 0, "the secret is shown again");
  assert(!(await page.content()).includes(secret), "the secret is in the page");
  await row.getByRole("button", { name: "Revoke e2e writer" }).click();
  await row.getByRole("button", { name: "Keep it" }).click();
  assert((await row.innerText()).includes("active"), "Keep it revoked the key");
  await row.getByRole("button", { name: "Revoke e2e writer" }).click();
  await row.getByRole("button", { name: "Yes, revoke" }).click();
  await row.getByText(/^revoked/).waitFor();
  const gone = await fetch(`${ctx.base}/api/v1/workspace`, { headers: { Authorization: `Bearer ${secret}` } });
  assert(gone.status === 401, `the revoked key answers ${gone.status}`);
  await context.close();
});

test("approvals: the inbox shows the draft inline, approving with an edit publishes the edit", async (ctx) => {
  const all = await call(ctx, "GET", "/api/v1/templates?limit=100");
  const announcement = all.items.find((t) => t.name === "Reviewed announcement");
  const waiting = async (id) => {
    await until(async () => (await call(ctx, "GET", `/api/v1/executions/${id}`)).status === "waiting", `${id} never waits`, 30000);
  };
  const first = await call(ctx, "POST", "/api/v1/executions", { template_id: announcement.id, inputs: { headline: "Oat milk is here", importance: 3 } });
  await waiting(first.id);
  const { context, page } = await signedIn(ctx);
  await page.getByRole("button", { name: "Approvals" }).click();
  const item = page.locator(`article[data-execution="${first.id}"]`);
  await item.waitFor();
  assert((await item.locator("h3").first().innerText()).includes("Reviewed announcement"), "the item does not name its template");
  await item.getByText("Publish this announcement?").waitFor();
  const content = item.getByRole("group", { name: /Content of Draft/ });
  assert((await content.innerText()).length > 20, "the draft is not shown inline");
  // A request made while the inbox is open appears from the stream, newest first.
  const second = await call(ctx, "POST", "/api/v1/executions", { template_id: announcement.id, inputs: { headline: "Spring menu", importance: 2 } });
  const newest = page.locator("article[data-execution]").first();
  await until(async () => (await newest.getAttribute("data-execution")) === second.id, "a new request does not appear first");
  await shot(page, "approvals");
  await item.getByRole("button", { name: "Approve with an edit…" }).click();
  const edited = "Oat milk is here: creamy, local and in every shop from Monday.";
  await item.getByLabel("The text as it should be approved").fill(edited);
  await item.getByRole("button", { name: "Approve with this edit" }).click();
  await page.getByRole("status").filter({ hasText: "Approved with your edit" }).waitFor();
  await item.waitFor({ state: "detached" });
  const done = await finished(ctx, first.id);
  assert(done.status === "completed", `the approved run ended ${done.status}`);
  const steps = await call(ctx, "GET", `/api/v1/executions/${first.id}/steps`);
  const draft = steps.items.find((s) => s.id === "draft");
  assert(draft.output.text === edited, `the draft is now: ${draft.output.text}`);
  // Request changes on the other one: a tweak instruction, decided from the inbox.
  const other = page.locator(`article[data-execution="${second.id}"]`);
  await other.getByRole("button", { name: "Request changes…" }).click();
  await other.getByLabel("What should change").fill("Shorter, and mention the date");
  await other.getByRole("button", { name: "Send the request" }).click();
  await page.getByRole("status").filter({ hasText: "Changes requested" }).waitFor();
  // An image to judge is shown as an image; a step with no text offers no edit.
  const brand = all.items.find((t) => t.name === "Brand image job");
  const picture = await call(ctx, "POST", "/api/v1/executions", { template_id: brand.id, inputs: { brief: "A teal bicycle" } });
  await waiting(picture.id);
  const imageItem = page.locator(`article[data-execution="${picture.id}"]`);
  const img = imageItem.getByRole("img");
  await img.waitFor();
  assert(await img.evaluate((el) => el.complete && el.naturalWidth > 0), "the image to judge does not load");
  assert((await imageItem.getByRole("button", { name: "Approve with an edit…" }).count()) === 0, "an edit is offered for an image");
  await imageItem.getByRole("button", { name: "Approve", exact: true }).click();
  await imageItem.waitFor({ state: "detached" });
  assert((await finished(ctx, picture.id)).status === "completed", "the approved image run did not complete");
  await context.close();
});

test("a viewer sees Keys disabled with the reason, and approvals it cannot decide", async (ctx) => {
  const viewer = await call(ctx, "POST", "/api/v1/keys", { role: "viewer", name: "screens viewer" });
  const { context, page } = await signedIn(ctx, viewer.secret);
  const keys = page.getByRole("button", { name: "Keys" });
  assert(await keys.isDisabled(), "a viewer can open Keys");
  const why = await keys.getAttribute("title");
  assert(why?.includes("admin role") && why.includes("viewer"), `the reason on hover: ${why}`);
  await page.goto(`${ctx.base}/keys`);
  await page.getByText("Managing API keys needs the admin role; your key has viewer.").waitFor();
  await page.getByRole("button", { name: "Credits" }).click();
  assert((await page.getByLabel("Credits to grant").count()) === 0, "a viewer is offered to grant credits");
  // The approval left waiting by the approvals test: a viewer reads it but cannot decide.
  await page.getByRole("button", { name: "Approvals" }).click();
  const approve = page.locator("article[data-execution]").first().getByRole("button", { name: "Approve", exact: true });
  await approve.waitFor();
  assert(await approve.isDisabled(), "a viewer can approve");
  assert((await approve.getAttribute("title"))?.includes("viewer role"), "no reason on hover for a viewer");
  await context.close();
});

test("every screen fits a phone-width window", async (ctx) => {
  const { batch } = await templates(ctx);
  const { context, page } = await signedIn(ctx, ctx.key, { width: 390, height: 844 });
  for (const path of ["/", "/templates", `/templates/${batch.id}/launch`, "/automations", "/gallery", "/credits", "/keys"]) {
    await page.goto(ctx.base + path);
    await page.locator("main h2").first().waitFor();
    await page.waitForTimeout(200);
    await fitsWidth(page, path);
  }
  await context.close();
});
