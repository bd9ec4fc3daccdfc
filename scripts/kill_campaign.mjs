#!/usr/bin/env node
// The kill campaign (issue 12): runs `atelier serve` with many concurrent executions (maps,
// approvals decided by approve, edit and tweak, tweaks of finished work, sub-executions, paid steps
// charged in credits), SIGKILLs it at random moments, restarts it each time, then checks every
// invariant the product promises:
//   - every execution (sub-executions too) finishes, and nothing is left running or queued;
//   - each execution's event sequence is 1..N with no gap, and the workspace positions (gid) of
//     all events are gap-free too;
//   - each step succeeds exactly once per version (no step_succeeded twice for one version);
//   - the ledger balances: nothing reserved at the end, and spent == the sum of what the
//     committed step versions cost (so no call was charged twice and none for free);
//   - every artifact's bytes are there and match its size and SHA-256;
//   - every notification is made exactly once and received at least once: a receiver on
//     127.0.0.1 (refusing a first attempt now and then) gets each chosen event of each execution
//     under one delivery id, always with the same body and a valid signature, and the API shows
//     each one delivered.
//
// Usage: node scripts/kill_campaign.mjs --bin build/atelier [--kills 200] [--executions 40]
//          [--seed N] [--min-ms 40] [--max-ms 1200] [--keep]
// Exits 0 when every invariant holds; otherwise prints each violation and exits 1.
import { spawn } from "node:child_process";
import { createHash, createHmac } from "node:crypto";
import { mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const opts = parseArgs(process.argv.slice(2));
const rand = mulberry32(opts.seed);
const dir = mkdtempSync(join(tmpdir(), "atelier-kills-"));
const log = openSync(join(dir, "server.log"), "a");
const GRANT = 100_000_000_000; // micro-credits: 100,000 credits, far more than 200 kills of tweaks spend

function parseArgs(argv) {
  const o = { bin: "", kills: 200, executions: 40, seed: Date.now() % 1e9, minMs: 40, maxMs: 1200, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    const num = (v) => (Number.isInteger(Number(v)) && Number(v) >= 0 ? Number(v) : usage(`${a}: '${v}' is not a whole number`));
    if (a === "--bin") o.bin = resolve(next());
    else if (a === "--kills") o.kills = num(next());
    else if (a === "--executions") o.executions = num(next());
    else if (a === "--seed") o.seed = num(next());
    else if (a === "--min-ms") o.minMs = num(next());
    else if (a === "--max-ms") o.maxMs = num(next());
    else if (a === "--keep") o.keep = true;
    else usage(`unknown option '${a}'`);
  }
  if (!o.bin) usage("--bin PATH (the atelier executable) is required");
  if (o.maxMs < o.minMs) usage("--max-ms must not be below --min-ms");
  if (o.executions < 3) usage("--executions must be at least 3 (one of each template)");
  return o;
}

function usage(msg) {
  console.error(`kill_campaign: ${msg}`);
  console.error("usage: node scripts/kill_campaign.mjs --bin PATH [--kills N] [--executions N] [--seed N] [--min-ms N] [--max-ms N] [--keep]");
  process.exit(64);
}

// A small seeded generator, so a failing campaign can be replayed with its --seed.
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const edge = (id, source, target, sourceHandle) => ({ id, source, target, ...(sourceHandle ? { sourceHandle } : {}) });
const text = (id, prompt, latency) => ({ id, type: "generate_text", data: { prompt, max_tokens: 200, latency_ms: latency } });
const image = (id, prompt, latency) => ({ id, type: "generate_image", data: { prompt, size: "64x64", latency_ms: latency } });

// Three shapes that together cover maps, approvals, sub-executions and paid text and images.
const TEMPLATES = [
  {
    name: "Kill campaign: map",
    inputs: { topic: { type: "string", required: true } },
    nodes: [
      { id: "start", type: "start" },
      text("draft", "Shot list for {{inputs.topic}}", 60),
      { id: "shots", type: "map", data: { items: ["front", "side", "back", "top", "detail", "box"], concurrency: 3,
        node: { type: "generate_image", data: { prompt: "{{inputs.topic}}, {{item}} view", size: "64x64", latency_ms: 90 } } } },
      { id: "end", type: "end", data: { output: { text: "{{steps.draft.text}}", images: "{{steps.shots.count}}" } } },
    ],
    edges: [edge("1", "start", "draft"), edge("2", "draft", "shots"), edge("3", "shots", "end")],
    tweak: "draft",
  },
  {
    name: "Kill campaign: gate",
    inputs: { topic: { type: "string", required: true } },
    nodes: [
      { id: "start", type: "start" },
      text("draft", "Announce {{inputs.topic}}", 60),
      { id: "review", type: "approval", data: { message: "Publish?", show: { draft: "{{steps.draft.text}}" } } },
      image("banner", "Banner for {{inputs.topic}}", 80),
      { id: "end", type: "end", data: { output: { text: "{{steps.draft.text}}" } } },
    ],
    edges: [edge("1", "start", "draft"), edge("2", "draft", "review"), edge("3", "review", "banner", "approved"),
            edge("4", "banner", "end")],
    tweak: "banner",
  },
  {
    name: "Kill campaign: sub",
    inputs: { topic: { type: "string", required: true } },
    nodes: [
      { id: "start", type: "start" },
      { id: "sub", type: "subworkflow", data: { inputs: { topic: "{{inputs.topic}}" }, definition: {
        name: "Kill campaign: inner", inputs: { topic: { type: "string", required: true } },
        nodes: [{ id: "start", type: "start" }, text("t", "Inner note on {{inputs.topic}}", 50),
                image("img", "Inner picture of {{inputs.topic}}", 60),
                { id: "end", type: "end", data: { output: { text: "{{steps.t.text}}" } } }],
        edges: [edge("1", "start", "t"), edge("2", "t", "img"), edge("3", "img", "end")] } } },
      text("caption", "Caption for {{inputs.topic}}", 50),
      { id: "end", type: "end", data: { output: { caption: "{{steps.caption.text}}" } } },
    ],
    edges: [edge("1", "start", "sub"), edge("2", "sub", "caption"), edge("3", "caption", "end")],
    tweak: "caption",
  },
];

// --- the notification receiver ----------------------------------------------------------------
// Records every POST by its X-Atelier-Delivery and checks its signature; answers 503 to the first
// attempt of about one delivery in five, so retries happen while the server is being killed.
const NOTIFIED = ["execution_completed", "execution_failed", "approval_requested"];
const receiver = { http: null, port: 0, secret: "", got: new Map(), posts: 0 };

function startReceiver() {
  return new Promise((resolveStart) => {
    receiver.http = createServer((req, res) => {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const id = req.headers["x-atelier-delivery"] ?? "";
        const ts = req.headers["x-atelier-timestamp"] ?? "";
        const want = "sha256=" + createHmac("sha256", receiver.secret).update(`${ts}.${body}`).digest("hex");
        if (req.headers["x-atelier-signature"] !== want) problems.push(`delivery ${id}: the signature does not match`);
        receiver.posts++;
        const seen = receiver.got.get(id);
        if (seen) {
          seen.count++;
          if (seen.body !== body) problems.push(`delivery ${id}: a later attempt sent another body`);
        } else {
          receiver.got.set(id, { body, count: 1 });
        }
        res.statusCode = !seen && rand() < 0.2 ? 503 : 200;
        res.end();
      });
    });
    receiver.http.listen(0, "127.0.0.1", () => {
      receiver.port = receiver.http.address().port;
      resolveStart();
    });
  });
}

// --- the server ----------------------------------------------------------------------------
const server = { proc: null, base: "", key: "", port: 0, starts: 0 };

function startServer() {
  return new Promise((resolveStart, reject) => {
    const listen = `127.0.0.1:${server.port}`;
    const args = ["serve", "--db", join(dir, "atelier.db"), "--listen", listen, "--providers", join(dir, "providers.json")];
    const proc = spawn(opts.bin, args, { cwd: dir, stdio: ["ignore", "pipe", log] });
    server.starts++;
    let out = "";
    const timer = setTimeout(() => reject(new Error(`the server did not start within 30 s:\n${out}`)), 30000);
    const onExit = (code, sig) => reject(new Error(`the server exited while starting (${code ?? sig}):\n${out}`));
    proc.on("exit", onExit);
    proc.stdout.on("data", (chunk) => {
      out += chunk;
      const base = /listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(out);
      const key = /^(atl_[0-9a-f]+)$/m.exec(out)?.[1];
      if (key) server.key = key;
      if (base && server.key) {
        clearTimeout(timer);
        proc.off("exit", onExit);
        proc.stdout.removeAllListeners("data");
        proc.stdout.resume();
        server.base = base[1];
        server.port = Number(base[2]);
        server.proc = proc;
        resolveStart();
      }
    });
  });
}

function killServer() {
  const proc = server.proc;
  server.proc = null;
  if (!proc || proc.exitCode !== null) return Promise.resolve();
  return new Promise((r) => {
    proc.on("exit", () => r());
    process.kill(proc.pid, "SIGKILL");
  });
}

async function stopServer() {
  const proc = server.proc;
  server.proc = null;
  if (!proc || proc.exitCode !== null) return;
  await new Promise((r) => {
    proc.on("exit", () => r());
    process.kill(proc.pid, "SIGTERM");
  });
}

// Calls the API; answers {status, body}, or {status: 0} when the server is down (killed).
async function api(method, path, body, headers = {}) {
  try {
    const r = await fetch(server.base + path, {
      method,
      headers: { Authorization: `Bearer ${server.key}`, "Content-Type": "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10000),
    });
    const raw = await r.arrayBuffer();
    const textBody = Buffer.from(raw).toString("utf8");
    let json = null;
    try {
      json = textBody ? JSON.parse(textBody) : null;
    } catch {
      json = null;
    }
    return { status: r.status, body: json, raw: Buffer.from(raw) };
  } catch {
    return { status: 0, body: null };
  }
}

// Calls until the server answers (it may be restarting); fails the campaign on a 5xx.
async function must(method, path, body, ok = [200, 201], headers = {}) {
  for (let tries = 0; tries < 600; tries++) {
    const r = await api(method, path, body, headers);
    if (ok.includes(r.status)) return r;
    if (r.status >= 500) throw new Error(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
    if (r.status !== 0) throw new Error(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
    await sleep(50);
  }
  throw new Error(`${method} ${path}: no answer for 30 s`);
}

// --- the workload ---------------------------------------------------------------------------
// One planned execution: its template, and what the driver does to it as it goes.
const plans = [];
const problems = [];
const stats = { poisonRetries: 0 };

async function prepare() {
  await startReceiver();
  writeFileSync(join(dir, "providers.json"), JSON.stringify({
    prices: { offline: { input_per_1k: 0.5, output_per_1k: 1.0, per_image: 0.25 } },
    http: { allow_hosts: [`127.0.0.1:${receiver.port}`] },
  }));
  await startServer();
  const endpoint = await must("POST", "/api/v1/notifications/endpoints",
                              { name: "kill campaign", url: `http://127.0.0.1:${receiver.port}/hook`, events: NOTIFIED });
  receiver.secret = endpoint.body.secret;
  await must("POST", "/api/v1/credits/grants", { amount: GRANT, note: "kill campaign" });
  const ids = [];
  for (const t of TEMPLATES) {
    const { tweak, ...definition } = t;
    const r = await must("POST", "/api/v1/templates", definition);
    ids.push({ id: r.body.id, tweak });
  }
  for (let i = 0; i < opts.executions; i++) {
    const t = ids[i % ids.length];
    plans.push({
      n: i, template: t.id, tweakStep: t.tweak, id: "", status: "",
      tweakAfter: rand() < 0.3, // tweak a step once the execution has completed
      tweaked: false, decisions: 0,
    });
  }
}

// Launches the next planned executions (idempotent, so a launch cut by a kill is not doubled).
async function launchSome(count) {
  for (const p of plans.filter((x) => !x.id).slice(0, count)) {
    const r = await api("POST", "/api/v1/executions", { template_id: p.template, inputs: { topic: `product ${p.n}` } },
                        { "Idempotency-Key": `kill-campaign-${opts.seed}-${p.n}` });
    if (r.status === 201 || r.status === 200) p.id = r.body.id;
    else if (r.status !== 0) throw new Error(`launch ${p.n} answered ${r.status}: ${JSON.stringify(r.body)}`);
  }
}

// Decides waiting approvals: approve, approve with an edit, or (once per execution) tweak.
async function decideApprovals() {
  const r = await api("GET", "/api/v1/approvals?limit=200");
  if (r.status !== 200) return;
  for (const item of r.body.items) {
    const p = plans.find((x) => x.id === item.execution_id);
    const roll = rand();
    let res;
    const base = `/api/v1/executions/${item.execution_id}/steps/${encodeURIComponent(item.step)}`;
    if (p && p.decisions === 0 && roll < 0.3) {
      res = await api("POST", `${base}/tweak`, { instruction: "shorter, please" });
    } else if (roll < 0.6 && item.decisions.includes("edit")) {
      res = await api("POST", `${base}/approve`, { edit: `Edited by the campaign for ${item.execution_id}` });
    } else {
      res = await api("POST", `${base}/approve`, { comment: "ship it" });
    }
    // 409: decided already (an answer lost to a kill, then decided again) or no longer waiting.
    if (res.status >= 500) problems.push(`deciding ${item.execution_id}/${item.step} answered ${res.status}`);
    else if (res.status === 200 || res.status === 201) p && p.decisions++;
  }
}

// Reads each launched execution's status; tweaks a completed one once when its plan says so.
async function followExecutions() {
  for (const p of plans.filter((x) => x.id)) {
    const r = await api("GET", `/api/v1/executions/${p.id}`);
    if (r.status !== 200) return;
    p.status = r.body.status;
    // A step whose process died under it 3 times in a row is failed as a poison pill; the
    // campaign's kills can do that to a healthy step, and `retry` is the documented way on.
    if (p.status === "failed" && JSON.stringify(r.body.error ?? "").includes("died")) {
      const t = await api("POST", `/api/v1/executions/${p.id}/retry`);
      if (t.status === 200 || t.status === 201) {
        stats.poisonRetries++;
        p.status = "running";
      }
      continue;
    }
    if (p.status === "completed" && p.tweakAfter && !p.tweaked) {
      const t = await api("POST", `/api/v1/executions/${p.id}/steps/${p.tweakStep}/tweak`, { instruction: "warmer" });
      if (t.status === 200 || t.status === 201) {
        p.tweaked = true;
        p.status = "running";
      } else if (t.status >= 400 && t.status !== 409) {
        problems.push(`tweak of ${p.id}/${p.tweakStep} answered ${t.status}: ${JSON.stringify(t.body)}`);
        p.tweaked = true;
      }
    }
  }
}

const finished = () => plans.every((p) => p.id && p.status === "completed" && (!p.tweakAfter || p.tweaked));

// Drives the workload until `stop()` says so: launches, decisions, tweaks.
async function drive(stop) {
  while (!stop()) {
    await launchSome(2);
    await decideApprovals();
    await followExecutions();
    await sleep(30);
  }
}

// --- the invariants -------------------------------------------------------------------------
async function allPages(pathFor) {
  const items = [];
  let cursor = "";
  for (;;) {
    const r = await must("GET", pathFor(cursor));
    items.push(...r.body.items);
    if (!r.body.next_cursor) return items;
    cursor = r.body.next_cursor;
  }
}

async function check() {
  const executions = await allPages((c) => `/api/v1/executions?include_sub=true&limit=200${c ? `&cursor=${c}` : ""}`);
  const top = executions.filter((e) => plans.some((p) => p.id === e.id));
  if (top.length !== plans.length) problems.push(`${plans.length} executions launched, ${top.length} found`);
  let spent = 0;
  let paidSteps = 0;
  const gids = [];
  const notifiable = new Map(); // gid -> execution id: the events the endpoint must report
  for (const ex of executions) {
    if (ex.status !== "completed")
      problems.push(`${ex.id} ended ${ex.status} (${JSON.stringify(ex.error ?? ex.reason ?? "no reason")})`);
    const events = await allPages((c) => `/api/v1/executions/${ex.id}/events?limit=500${c ? `&after=${c}` : ""}`);
    events.forEach((e, i) => {
      if (e.seq !== i + 1) problems.push(`${ex.id}: event ${i + 1} has seq ${e.seq} (a gap or a repeat)`);
      gids.push(e.gid);
      // Sub-executions report only the approvals they wait on.
      if (NOTIFIED.includes(e.type) && (e.type === "approval_requested" || !ex.parent))
        notifiable.set(e.gid, ex.id);
    });
    const steps = await must("GET", `/api/v1/executions/${ex.id}/steps`);
    for (const s of steps.body.items) {
      if (s.status === "running" || s.status === "queued" || s.status === "ready")
        problems.push(`${ex.id}: step ${s.id} left ${s.status}`);
    }
    // A subworkflow step's usage repeats its sub-execution's, whose own steps were charged.
    const composite = new Set(steps.body.items.filter((x) => x.type === "subworkflow").map((x) => x.id));
    const versions = new Map();
    for (const e of events.filter((x) => x.type === "step_succeeded" && x.payload.version !== undefined)) {
      const key = `${e.step} v${e.payload.version}`;
      versions.set(key, (versions.get(key) ?? 0) + 1);
      const cost = composite.has(e.step) ? 0 : e.payload.usage?.cost ?? 0;
      if (cost > 0) {
        spent += Math.round(cost * 1e6);
        paidSteps++;
      }
    }
    for (const [key, n] of versions) if (n > 1) problems.push(`${ex.id}: ${key} succeeded ${n} times`);
    const arts = await must("GET", `/api/v1/executions/${ex.id}/artifacts`);
    for (const a of arts.body.items) {
      const content = await api("GET", `/api/v1/artifacts/${a.id}/content`);
      if (content.status !== 200) {
        problems.push(`${ex.id}: artifact ${a.id} (${a.name}) answered ${content.status}`);
        continue;
      }
      const sha = createHash("sha256").update(content.raw).digest("hex");
      if (content.raw.length !== a.size || sha !== a.sha256)
        problems.push(`${ex.id}: artifact ${a.id} has ${content.raw.length} bytes (sha ${sha.slice(0, 12)}), recorded ${a.size} (${a.sha256.slice(0, 12)})`);
    }
  }
  gids.sort((a, b) => a - b);
  for (let i = 1; i < gids.length; i++) {
    if (gids[i] === gids[i - 1]) problems.push(`workspace position ${gids[i]} used twice`);
    else if (gids[i] !== gids[i - 1] + 1) problems.push(`workspace positions jump from ${gids[i - 1]} to ${gids[i]}`);
  }
  const credits = (await must("GET", "/api/v1/credits")).body;
  if (credits.reserved !== 0) problems.push(`${credits.reserved} micro-credits still reserved at the end`);
  if (credits.granted !== GRANT) problems.push(`granted ${credits.granted}, expected ${GRANT}`);
  // Each settlement is rounded to a micro-credit on its own: allow one per paid step.
  if (Math.abs(credits.spent - spent) > paidSteps)
    problems.push(`the ledger spent ${credits.spent} micro-credits; the committed step versions cost ${spent}`);
  if (credits.balance !== credits.granted - credits.spent - credits.reserved)
    problems.push(`balance ${credits.balance} != granted - spent - reserved`);
  const running = await must("GET", "/api/v1/executions?status=running&include_sub=true");
  if (running.body.items.length) problems.push(`${running.body.items.length} executions still running`);
  const notes = await checkNotifications(notifiable);
  return { executions: executions.length, events: gids.length, paidSteps, spent: credits.spent, ...notes };
}

// Each notifiable event has exactly one delivery, delivered, and the receiver got it (maybe more
// than once, always the same); the receiver got nothing the API does not know.
async function checkNotifications(notifiable) {
  const deliveries = await allPages((c) => `/api/v1/notifications/deliveries?limit=500${c ? `&cursor=${c}` : ""}`);
  const byGid = new Map();
  for (const d of deliveries) {
    if (byGid.has(d.event_id)) problems.push(`event ${d.event_id} has two deliveries (${byGid.get(d.event_id).id}, ${d.id})`);
    byGid.set(d.event_id, d);
    if (!notifiable.has(d.event_id)) problems.push(`delivery ${d.id} reports event ${d.event_id}, which is not one to report`);
    if (d.status !== "delivered") problems.push(`delivery ${d.id} is ${d.status} (${d.last_error ?? "no error"})`);
    const got = receiver.got.get(d.id);
    if (!got) {
      problems.push(`delivery ${d.id} never reached the receiver`);
    } else if (JSON.parse(got.body).event.id !== d.event_id) {
      problems.push(`delivery ${d.id} carried event ${JSON.parse(got.body).event.id}, recorded ${d.event_id}`);
    }
  }
  for (const [gid, ex] of notifiable) if (!byGid.has(gid)) problems.push(`${ex}: event ${gid} was never notified`);
  const known = new Set(deliveries.map((d) => d.id));
  for (const id of receiver.got.keys()) if (!known.has(id)) problems.push(`the receiver got ${id}, which the API does not know`);
  return { deliveries: deliveries.length, posts: receiver.posts };
}

// --- the campaign ---------------------------------------------------------------------------
async function main() {
  const t0 = Date.now();
  console.log(`kill campaign: ${opts.kills} kills, ${opts.executions} executions, seed ${opts.seed}, in ${dir}`);
  await prepare();
  let kills = 0;
  let stopDriving = false;
  const driver = drive(() => stopDriving);
  while (kills < opts.kills) {
    await sleep(opts.minMs + rand() * (opts.maxMs - opts.minMs));
    await killServer();
    kills++;
    await startServer();
    if (kills % 20 === 0) {
      const done = plans.filter((p) => p.status === "completed").length;
      console.log(`  ${kills} kills, ${plans.filter((p) => p.id).length} launched, ${done} completed`);
    }
    // Launches keep coming while the kills go on; once all are launched and done, start over
    // with tweaks so later kills still land on work in flight.
    if (finished() && kills < opts.kills) {
      for (const p of plans) if (rand() < 0.3) {
        p.tweakAfter = true;
        p.tweaked = false;
      }
    }
  }
  const deadline = Date.now() + 120000;
  while (!finished()) {
    if (Date.now() > deadline) {
      problems.push(`not finished 2 minutes after the last kill: ${plans.filter((p) => p.status !== "completed").map((p) => `${p.id || p.n}=${p.status || "unlaunched"}`).join(", ")}`);
      break;
    }
    await sleep(100);
  }
  stopDriving = true;
  await driver;
  // Retries wait 10 s and more, and a delivery claimed by a killed server waits out its claim.
  const quiet = Date.now() + 180000;
  await sleep(2000);
  for (;;) {
    const pending = await must("GET", "/api/v1/notifications/deliveries?status=pending&limit=1");
    if (!pending.body.items.length) break;
    if (Date.now() > quiet) {
      problems.push(`deliveries still pending 3 minutes after the work ended (${pending.body.items[0].id}: ${pending.body.items[0].last_error ?? "no error"})`);
      break;
    }
    await sleep(500);
  }
  const figures = await check();
  await stopServer();
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  console.log(`kill campaign: ${kills} kills (${server.starts} starts), ${figures.executions} executions ` +
              `(sub-executions included), ${figures.events} events, ${figures.paidSteps} paid step versions, ` +
              `${figures.spent} micro-credits spent, ${figures.deliveries} notifications in ${figures.posts} POSTs, ` +
              `${stats.poisonRetries} retries after the poison-pill guard, ${secs} s`);
  if (problems.length) {
    console.error(`kill campaign FAILED (seed ${opts.seed}; the server's log is in ${dir}/server.log):`);
    for (const p of problems) console.error(`  - ${p}`);
    receiver.http.close();
    process.exit(1);
  }
  console.log("kill campaign: every invariant holds");
  receiver.http.close();
  if (!opts.keep) rmSync(dir, { recursive: true, force: true });
}

main().catch(async (e) => {
  console.error(`kill campaign: ${e.stack || e}`);
  console.error(`(seed ${opts.seed}; files in ${dir})`);
  await killServer();
  process.exit(1);
});
