// The basics: signing in (a key, a wrong key, a one-time link), launching the demo template from
// its form and watching it finish, and a viewer key seeing what it may not do.
import { shot } from "../lib.mjs";

export const tests = [];
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
