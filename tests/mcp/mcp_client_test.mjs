// `atelier mcp` under a real MCP client: the official SDK (@modelcontextprotocol/sdk) starts the
// binary over stdio, as an agent's host would, and uses its tools the way an agent does.
// Usage: ATELIER_BIN=build/atelier node tests/mcp/mcp_client_test.mjs
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const bin = resolve(process.env.ATELIER_BIN ?? "");
if (!process.env.ATELIER_BIN) {
  console.error("mcp test: set ATELIER_BIN to the atelier executable");
  process.exit(64);
}
const dir = mkdtempSync(join(tmpdir(), "atelier-mcp-"));
let passed = 0;

// A template whose three steps take 300 ms each, stored in the workspace by running it once, so
// that a wait on it sees progress on the way.
writeFileSync(join(dir, "slow.json"), JSON.stringify({
  name: "Slow steps", description: "Three slow steps.", inputs: { topic: { type: "string", required: true } },
  nodes: [{ id: "start", type: "start" },
          ...["a", "b", "c"].map((id) => ({ id, type: "generate_text", data: { prompt: `${id} {{inputs.topic}}`, latency_ms: 300 } }))],
  edges: [{ id: "1", source: "start", target: "a" }, { id: "2", source: "a", target: "b" }, { id: "3", source: "b", target: "c" }],
}));
execFileSync(bin, ["run", "slow.json", "--input", "topic=setup", "--db", join(dir, "atelier.db")], { cwd: dir, stdio: "ignore" });

async function connect() {
  const transport = new StdioClientTransport({
    command: bin, args: ["mcp", "--db", join(dir, "atelier.db")], cwd: dir, stderr: "pipe",
  });
  const client = new Client({ name: "atelier-test", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

async function test(name, fn) {
  const client = await connect();
  try {
    await fn(client);
    passed++;
    console.log(`  ok   ${name}`);
  } finally {
    await client.close();
  }
}

const structured = (r) => {
  assert.equal(r.isError, false, r.content?.[0]?.text);
  return r.structuredContent;
};

try {
  console.log("atelier mcp under @modelcontextprotocol/sdk");

  await test("lists the templates as tools with schemas from their typed inputs", async (c) => {
    assert.equal(c.getServerVersion()?.name, "atelier");
    const { tools } = await c.listTools();
    const names = tools.map((t) => t.name);
    for (const n of ["run_instagram_post", "run_reviewed_announcement", "wait_for_execution",
                     "get_outputs", "get_artifact", "list_approvals", "decide_approval"])
      assert.ok(names.includes(n), `${n} in ${names.join(", ")}`);
    const post = tools.find((t) => t.name === "run_instagram_post");
    assert.equal(post.inputSchema.type, "object");
    assert.deepEqual(post.inputSchema.required, ["product"]);
    assert.equal(post.inputSchema.properties.product.type, "string");
    const blog = tools.find((t) => t.name === "run_blog_article");
    assert.equal(blog.inputSchema.properties.words.type, "integer");
    assert.equal(blog.inputSchema.properties.words.default, 800);
  });

  await test("follows a run's progress in notifications to the end", async (c) => {
    const run = structured(await c.callTool({ name: "run_slow_steps", arguments: { topic: "tides" } }));
    assert.match(run.execution_id, /^ex_/);
    const seen = [];
    const done = structured(await c.callTool(
      { name: "wait_for_execution", arguments: { execution_id: run.execution_id, timeout_seconds: 60 } },
      undefined, { onprogress: (p) => seen.push(p) }));
    assert.equal(done.status, "completed");
    assert.equal(done.progress.percent, 100);
    assert.equal(done.stage, "stage 3 of 3");
    // The SDK hands notifications over a tick late, so the last may lose the race with the
    // answer; those before it arrive, in order.
    assert.ok(seen.length >= 2, `progress notifications arrived: ${JSON.stringify(seen)}`);
    for (let i = 0; i < seen.length; i++) {
      assert.equal(seen[i].total, 100);
      assert.ok(seen[i].progress >= (i ? seen[i - 1].progress : 0) && seen[i].progress <= 100);
    }
    assert.match(seen.at(-1).message, /stage \d of 3/);
  });

  await test("runs a template and reads its text and image", async (c) => {
    const run = structured(await c.callTool({ name: "run_instagram_post", arguments: { product: "oat milk" } }));
    const done = structured(await c.callTool({ name: "wait_for_execution", arguments: { execution_id: run.execution_id } }));
    assert.equal(done.status, "completed");
    const out = structured(await c.callTool({ name: "get_outputs", arguments: { execution_id: run.execution_id } }));
    const image = out.artifacts.find((a) => a.kind === "image");
    assert.ok(image, JSON.stringify(out.artifacts));
    const art = await c.callTool({ name: "get_artifact", arguments: { artifact_id: image.artifact_id } });
    const block = art.content.find((b) => b.type === "image");
    assert.equal(block.mimeType, "image/png");
    assert.equal(Buffer.from(block.data, "base64").subarray(1, 4).toString(), "PNG");
    const doc = out.artifacts.find((a) => a.kind === "document");
    const text = structured(await c.callTool({ name: "get_artifact", arguments: { artifact_id: doc.artifact_id } }));
    assert.ok(text.text.length > 0);
  });

  await test("decides an approval the run waits for", async (c) => {
    const run = structured(await c.callTool({
      name: "run_reviewed_announcement", arguments: { headline: "Launch day", importance: 2 } }));
    const waiting = structured(await c.callTool({ name: "wait_for_execution", arguments: { execution_id: run.execution_id } }));
    assert.equal(waiting.status, "waiting");
    const { approvals } = structured(await c.callTool({ name: "list_approvals", arguments: {} }));
    const mine = approvals.find((a) => a.execution_id === run.execution_id);
    assert.equal(mine.step, "review");
    assert.ok(mine.content.text.length > 0, "the content to judge");
    structured(await c.callTool({ name: "decide_approval", arguments: {
      execution_id: run.execution_id, step: "review", decision: "approve", edit: "Launch day: our words." } }));
    const done = structured(await c.callTool({ name: "wait_for_execution", arguments: { execution_id: run.execution_id } }));
    assert.equal(done.status, "completed");
    const out = structured(await c.callTool({ name: "get_outputs", arguments: { execution_id: run.execution_id } }));
    assert.equal(out.output.text, "Launch day: our words.");
  });

  await test("explains bad input, and refuses an unknown tool", async (c) => {
    const bad = await c.callTool({ name: "run_instagram_post", arguments: {} });
    assert.equal(bad.isError, true);
    assert.match(bad.content[0].text, /product/);
    const missing = await c.callTool({ name: "get_execution", arguments: { execution_id: "ex_nope" } });
    assert.equal(missing.isError, true);
    assert.match(missing.content[0].text, /ex_nope/);
    await assert.rejects(c.callTool({ name: "no_such_tool", arguments: {} }), /no tool named 'no_such_tool'/);
  });

  console.log(`mcp test: ${passed} passed`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
