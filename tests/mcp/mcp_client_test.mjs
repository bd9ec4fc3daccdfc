// Atelier's MCP server under a real MCP client: the official SDK (@modelcontextprotocol/sdk) uses
// its tools the way an agent does, over both transports: `atelier mcp` started over stdio, as an
// agent's host would, and `atelier serve`'s POST /api/v1/mcp (Streamable HTTP) with an API key.
// Usage: ATELIER_BIN=build/atelier node tests/mcp/mcp_client_test.mjs
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const bin = resolve(process.env.ATELIER_BIN ?? "");
if (!process.env.ATELIER_BIN) {
  console.error("mcp test: set ATELIER_BIN to the atelier executable");
  process.exit(64);
}
const dir = mkdtempSync(join(tmpdir(), "atelier-mcp-"));
let passed = 0;

// A template whose three steps take 300 ms each, stored in the workspace by running it once, so
// that a wait on it sees progress on the way.
const slow = {
  name: "Slow steps", description: "Three slow steps.", inputs: { topic: { type: "string", required: true } },
  nodes: [{ id: "start", type: "start" },
          ...["a", "b", "c"].map((id) => ({ id, type: "generate_text", data: { prompt: `${id} {{inputs.topic}}`, latency_ms: 300 } }))],
  edges: [{ id: "1", source: "start", target: "a" }, { id: "2", source: "a", target: "b" }, { id: "3", source: "b", target: "c" }],
};
writeFileSync(join(dir, "slow.json"), JSON.stringify(slow));
execFileSync(bin, ["run", "slow.json", "--input", "topic=setup", "--db", join(dir, "atelier.db")], { cwd: dir, stdio: "ignore" });

// `atelier serve` on 127.0.0.1 with a database of its own; its admin key is printed at the first
// start.
function startServer() {
  const serveDir = join(dir, "serve");
  execFileSync("mkdir", ["-p", serveDir]);
  return new Promise((resolveStart, reject) => {
    const proc = spawn(bin, ["serve", "--db", join(serveDir, "atelier.db"), "--listen", "127.0.0.1:0"],
                       { cwd: serveDir, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${out}`)), 20000);
    proc.stdout.on("data", (chunk) => {
      out += chunk;
      const base = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      const key = /^(atl_[0-9a-f]+)$/m.exec(out)?.[1];
      if (base && key) {
        clearTimeout(timer);
        resolveStart({ proc, base, key });
      }
    });
    proc.stderr.on("data", (chunk) => (out += chunk));
    proc.on("exit", (code) => reject(new Error(`the server exited (${code}):\n${out}`)));
  });
}

let server;
const api = async (method, path, body, key = server.key) => {
  const r = await fetch(server.base + path, {
    method, headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, type: r.headers.get("content-type"), text, json: () => JSON.parse(text) };
};

const transports = {
  stdio: () => new StdioClientTransport({
    command: bin, args: ["mcp", "--db", join(dir, "atelier.db")], cwd: dir, stderr: "pipe",
  }),
  http: (key = server.key) => new StreamableHTTPClientTransport(new URL(server.base + "/api/v1/mcp"), {
    requestInit: { headers: { Authorization: `Bearer ${key}` } },
  }),
};
let current = "stdio";

async function connect(key) {
  const client = new Client({ name: "atelier-test", version: "1.0.0" });
  await client.connect(current === "http" ? transports.http(key) : transports.stdio());
  return client;
}

async function test(name, fn, key) {
  const client = await connect(key);
  try {
    await fn(client);
    passed++;
    console.log(`  ok   ${current}: ${name}`);
  } finally {
    await client.close();
  }
}

const structured = (r) => {
  assert.equal(r.isError, false, r.content?.[0]?.text);
  return r.structuredContent;
};

async function sharedTests() {
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

}

// What only the HTTP endpoint has: the API key's workspace and role, and HTTP's own answers.
async function httpTests() {
  await test("a viewer's key sees and calls only the tools that read", async (c) => {
    const { tools } = await c.listTools();
    const names = tools.map((t) => t.name);
    assert.ok(names.includes("wait_for_execution") && names.includes("get_outputs"), names.join(", "));
    assert.ok(!names.some((n) => n.startsWith("run_")), names.join(", "));
    assert.ok(!names.includes("decide_approval"));
    const refused = await c.callTool({ name: "run_instagram_post", arguments: { product: "tea" } });
    assert.equal(refused.isError, true);
    assert.match(refused.content[0].text, /editor role/);
  }, viewerKey);

  const rpc = (body, key) => api("POST", "/api/v1/mcp", body, key);
  let r = await rpc({ jsonrpc: "2.0", id: 1, method: "ping" }, "atl_0000");
  assert.equal(r.status, 401, "an unknown key is refused");
  r = await api("GET", "/api/v1/mcp");
  assert.equal(r.status, 405, "no server-to-client stream: GET answers 405");
  r = await rpc({ jsonrpc: "2.0", method: "notifications/initialized" });
  assert.equal(r.status, 202);
  assert.equal(r.text, "");
  r = await rpc([{ jsonrpc: "2.0", id: 1, method: "ping" }]);
  assert.equal(r.status, 400);
  assert.match(r.json().error.message, /one JSON-RPC message per POST/);
  r = await api("POST", "/api/v1/mcp", undefined);
  assert.equal(r.status, 400);
  assert.match(r.json().error.message, /not JSON/);
  r = await rpc({ jsonrpc: "2.0", id: 7, method: "tools/list" });
  assert.equal(r.status, 200);
  assert.equal(r.json().id, 7);
  r = await rpc({ jsonrpc: "2.0", id: 8, method: "tools/call", params: { name: "get_execution", arguments: { execution_id: "ex_nope" } } });
  assert.equal(r.status, 200);
  assert.match(r.type, /text\/event-stream/);
  const data = JSON.parse(/^data: (.*)$/m.exec(r.text)[1]);
  assert.equal(data.id, 8);
  assert.equal(data.result.isError, true);
  passed++;
  console.log("  ok   http: HTTP's own answers (401, 405, 202, 400 for a batch or no JSON, a call as an event stream)");
}

let viewerKey;
try {
  console.log("atelier's MCP server under @modelcontextprotocol/sdk");

  server = await startServer();
  const made = await api("POST", "/api/v1/templates", slow);
  assert.equal(made.status, 201, made.text);
  const viewer = await api("POST", "/api/v1/keys", { role: "viewer", name: "mcp viewer" });
  assert.equal(viewer.status, 201, viewer.text);
  viewerKey = viewer.json().secret;
  for (const t of ["stdio", "http"]) {
    current = t;
    await sharedTests();
  }
  current = "http";
  await httpTests();
  console.log(`mcp test: ${passed} passed`);
} finally {
  server?.proc.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
