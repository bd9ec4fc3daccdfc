#!/usr/bin/env node
// The cluster chaos test (issue 11): a cluster of real processes on one PostgreSQL (two
// `atelier serve --workers 0`, three `atelier worker`) runs executions of the shipped templates
// and of the kill campaign's (maps, approvals, sub-executions, paid steps charged in credits),
// launched and decided through both servers, while the five scenarios on which PostgreSQL job
// queues are known to fail happen to it:
//   - worker crash: SIGKILL a worker at random moments (--kills times), restarting it each time;
//   - repeated kills: the same, back to back;
//   - backend kill: pg_terminate_backend on every connection of the cluster, twice;
//   - pool exhaustion: other clients hold every connection the cluster's role may open, the
//     cluster's own connections are cut and a killed worker is restarted meanwhile, for a few
//     seconds (the servers answer 503 and /readyz says so, then everything carries on);
//   - database restart: PostgreSQL stops at once (as if it crashed) and starts again.
// Afterwards it checks every invariant of the kill campaign (scripts/campaign/invariants.mjs:
// every execution completed, each step succeeded once per version, event sequences gap-free,
// no credit charged twice, every notification delivered once), that no lease is left behind in
// the database, and that a client that followed one execution's live stream through the second
// server, reconnecting with Last-Event-ID whenever its stream broke, saw every event exactly once
// and in order.
//
// It starts its own PostgreSQL (scripts/pg_test_server.sh, a throwaway folder, durable: fsync and
// synchronous_commit on, as in production) and stops it.
// Usage: node scripts/cluster_chaos.mjs --bin build/atelier [--executions 200] [--kills 20]
//          [--workers 3] [--rate 5] [--seed N] [--min-ms 100] [--max-ms 1500] [--keep]
// --rate: executions launched a second (spread over the run, so the chaos lands on work in
// flight); --kills: at least that many worker kills (more when the work lasts longer).
// Exits 0 when every invariant holds; otherwise prints each violation and exits 1.
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { client, mulberry32, parseArgs, sleep } from "./campaign/client.mjs";
import { checkInvariants, waitForDeliveries } from "./campaign/invariants.mjs";
import { startReceiver } from "./campaign/receiver.mjs";
import { Workload } from "./campaign/workload.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const opts = options(process.argv.slice(2));
const rand = mulberry32(opts.seed);
const dir = mkdtempSync(join(tmpdir(), "atelier-chaos-"));
const pgDir = mkdtempSync("/tmp/atelier-chaos-pg."); // reachable by the postgres user when root
chmodSync(pgDir, 0o755);
const log = openSync(join(dir, "cluster.log"), "a");
const GRANT = 100_000_000_000; // micro-credits: far more than the run spends
const ROLE = "chaos"; // the cluster's role and database: not a superuser, so its connections can be capped
const APP = "atelier-chaos"; // the application_name of the cluster's connections

function options(argv) {
  const o = parseArgs(argv, { bin: "", executions: 200, kills: 20, workers: 3, rate: 5, seed: Date.now() % 1e9, minMs: 100,
                              maxMs: 1500, keep: false }, usage);
  if (!o.bin) usage("--bin PATH (the atelier executable) is required");
  if (o.maxMs < o.minMs) usage("--max-ms must not be below --min-ms");
  if (o.executions < 6) usage("--executions must be at least 6 (the campaign's templates and shipped ones)");
  if (o.rate < 1) usage("--rate must be at least 1 (executions launched a second)");
  if (o.workers < 2) usage("--workers must be at least 2 (one is killed while the others go on)");
  return o;
}

function usage(msg) {
  console.error(`cluster_chaos: ${msg}`);
  console.error("usage: node scripts/cluster_chaos.mjs --bin PATH [--executions N] [--kills N] [--workers N] [--rate N] [--seed N] [--min-ms N] [--max-ms N] [--keep]");
  process.exit(64);
}

const problems = [];
const say = (msg) => console.log(`  ${msg}`);

// --- PostgreSQL -----------------------------------------------------------------------------
const pg = { admin: "", url: "" };

function pgServer(...args) {
  return execFileSync(join(here, "pg_test_server.sh"), args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

// Runs SQL as the superuser (on the cluster's database unless told); answers psql's rows.
function psql(sql, db = ROLE) {
  const url = pg.admin.replace(/\/[^/?]*$/, `/${db}`);
  return execFileSync("psql", ["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", url, "-c", sql], { encoding: "utf8" }).trim();
}

// Durable (PostgreSQL's defaults): the test's restart is an immediate stop, a crash to
// PostgreSQL, and with synchronous_commit off a crash loses the last commits PostgreSQL had
// acknowledged (a blob acknowledged, then gone, under an artifact committed after the restart).
function startPostgres() {
  pg.admin = pgServer("start", pgDir, "--durable");
  psql(`CREATE ROLE ${ROLE} LOGIN`, "atelier_test");
  psql(`CREATE DATABASE ${ROLE} OWNER ${ROLE}`, "atelier_test");
  const u = new URL(pg.admin);
  pg.url = `postgresql://${ROLE}@${u.host}/${ROLE}?application_name=${APP}`;
}

// Ends every connection of the cluster (its processes reconnect); answers how many.
function terminateBackends() {
  return Number(psql(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '${APP}'`));
}

// --- processes ------------------------------------------------------------------------------
// Each process is {name, args, proc, pid, port, starts}; servers keep their port across starts.
const servers = [];
const workers = [];
let adminKey = "";

// Starts `p` and waits for its banner; a start refused (the database out of connections, say) is
// tried again every 300 ms for up to `patienceMs`.
async function start(p, patienceMs = 60000) {
  const until = Date.now() + patienceMs;
  for (;;) {
    const r = await startOnce(p);
    if (r.ok) return;
    if (Date.now() > until) throw new Error(`${p.name} did not start within ${patienceMs / 1000} s:\n${r.out}`);
    await sleep(300);
  }
}

function startOnce(p) {
  return new Promise((done) => {
    const args = p.kind === "server"
      ? ["serve", "--db", pg.url, "--workers", "0", "--listen", `127.0.0.1:${p.port}`, "--providers", join(dir, "providers.json")]
      : ["worker", "--db", pg.url, "--providers", join(dir, "providers.json"), "--adopt-interval-ms", "300"];
    const proc = spawn(opts.bin, args, { cwd: dir, stdio: ["ignore", "pipe", log] });
    p.starts++;
    let out = "";
    const timer = setTimeout(() => {
      process.kill(proc.pid, "SIGKILL");
    }, 30000);
    const onExit = (code, sig) => {
      clearTimeout(timer);
      done({ ok: false, out: `${out}(exited: ${code ?? sig})` });
    };
    proc.on("exit", onExit);
    proc.stdout.on("data", (chunk) => {
      out += chunk;
      let ready = false;
      if (p.kind === "server") {
        const base = /listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(out);
        const key = /^(atl_[0-9a-f]+)$/m.exec(out)?.[1];
        if (key) adminKey = key;
        if (base && adminKey) {
          p.base = base[1];
          p.port = Number(base[2]);
          ready = true;
        }
      } else {
        ready = /^worker .* running the executions of/m.test(out);
      }
      if (ready) {
        clearTimeout(timer);
        proc.off("exit", onExit);
        proc.stdout.removeAllListeners("data");
        proc.stdout.resume();
        p.proc = proc;
        done({ ok: true });
      }
    });
  });
}

function signal(p, sig) {
  const proc = p.proc;
  p.proc = null;
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(null);
  return new Promise((r) => {
    proc.on("exit", (code, s) => r(code ?? s));
    process.kill(proc.pid, sig);
  });
}

// --- the live stream a client follows -------------------------------------------------------
// Follows one execution's event stream through `server`, reconnecting with Last-Event-ID whenever
// the stream breaks (its server's database restarting, cut off, out of connections), until the
// stream ends with 204 (the execution finished and everything was seen) or `stop()`.
function follow(server, id, stop) {
  const seen = []; // seq of each event received, in order
  const state = { seen, reconnects: 0, done: false };
  state.finished = (async () => {
    while (!stop()) {
      const headers = { Authorization: `Bearer ${adminKey}` };
      if (seen.length) headers["Last-Event-ID"] = String(seen[seen.length - 1]);
      try {
        const ctl = new AbortController();
        const watchdog = setInterval(() => stop() && ctl.abort(), 200);
        try {
          const r = await fetch(`${server.base}/api/v1/executions/${id}/events/stream`, { headers, signal: ctl.signal });
          if (r.status === 204) {
            state.done = true;
            return;
          }
          if (r.status === 200) await readEvents(r.body, (seq) => seen.push(seq));
        } finally {
          clearInterval(watchdog);
        }
      } catch {
        // the stream broke: reconnect
      }
      state.reconnects++;
      await sleep(200);
    }
  })();
  return state;
}

async function readEvents(body, onEvent) {
  const decoder = new TextDecoder();
  let buf = "";
  for await (const chunk of body) {
    buf += decoder.decode(chunk, { stream: true });
    let cut;
    while ((cut = buf.indexOf("\n\n")) >= 0) {
      const frame = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      const idLine = frame.split("\n").find((l) => l.startsWith("id:"));
      if (idLine) onEvent(Number(idLine.slice(3).trim()));
    }
  }
}

// --- the chaos ------------------------------------------------------------------------------
async function killWorker(w) {
  await signal(w, "SIGKILL");
  stats.kills++;
}

// Other clients hold every connection the cluster's role may open; the cluster's are cut, and a
// killed worker is restarted meanwhile (it cannot connect: refused, tried again). Answers what
// /readyz said.
async function exhaustConnections(holdMs) {
  const holders = [];
  for (let i = 0; i < 6; i++) {
    holders.push(spawn("psql", ["-X", "-q", pg.url.replace(APP, "chaos-holder"), "-c", `SELECT pg_sleep(${holdMs / 1000 + 30})`],
                       { stdio: "ignore" }));
  }
  // Until every holder is connected.
  for (let t = 0; t < 100; t++) {
    if (Number(psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'chaos-holder'")) >= holders.length) break;
    await sleep(50);
  }
  psql(`ALTER ROLE ${ROLE} CONNECTION LIMIT ${holders.length}`, "atelier_test");
  const cut = terminateBackends();
  const victim = workers[Math.floor(rand() * workers.length)];
  await killWorker(victim);
  const restarting = start(victim, 120000);
  let readyz = 0;
  const until = Date.now() + holdMs;
  while (Date.now() < until) {
    const r = await fetch(`${servers[0].base}/readyz`).then((x) => x.status, () => 0);
    if (r === 503) readyz = 503;
    await sleep(100);
  }
  psql(`ALTER ROLE ${ROLE} CONNECTION LIMIT -1`, "atelier_test");
  for (const h of holders) if (h.exitCode === null) process.kill(h.pid, "SIGTERM");
  psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'chaos-holder'");
  await restarting;
  return { cut, readyz };
}

const stats = { kills: 0, terminated: 0, reported: 0 };

// Worker kills at random moments until --kills and every scenario have happened and the work is
// done; the scenarios
// when a fifth, two fifths, ... of the executions have completed, so each lands on work in flight.
async function chaos() {
  const marks = [[0.2, "terminate"], [0.4, "exhaust"], [0.6, "restart"], [0.8, "terminate"]];
  const completed = () => workload.plans.filter((p) => p.status === "completed").length / workload.plans.length;
  // Kills go on while work is in flight, up to the launches' span and a minute more.
  const until = Date.now() + (opts.executions / opts.rate) * 1000 + 60000;
  while (marks.length || stats.kills < opts.kills || (!workload.finished() && Date.now() < until)) {
    await sleep(opts.minMs + rand() * (opts.maxMs - opts.minMs));
    if (marks.length && (completed() >= marks[0][0] || workload.finished())) {
      const [at, what] = marks.shift();
      const where = `at ${Math.round(completed() * 100)}% completed (mark ${at * 100}%)`;
      if (what === "terminate") {
        const n = terminateBackends();
        stats.terminated += n;
        say(`pg_terminate_backend: ${n} connections of the cluster ended, ${where}`);
      } else if (what === "exhaust") {
        const { cut, readyz } = await exhaustConnections(4000);
        stats.terminated += cut;
        say(`connections exhausted for 4 s (${cut} cut, a worker restarted meanwhile), ${where}; /readyz answered ${readyz || "never 503"}`);
        if (readyz !== 503) problems.push("while the database refused the cluster's connections, /readyz never answered 503");
      } else {
        const t = Date.now();
        pgServer("restart", pgDir);
        say(`PostgreSQL restarted (immediate stop, crash recovery) in ${Date.now() - t} ms, ${where}`);
      }
    }
    // A worker crash; now and then two back to back (repeated kills).
    const w = workers[Math.floor(rand() * workers.length)];
    await killWorker(w);
    await start(w);
    if (rand() < 0.25) {
      await sleep(rand() * 100);
      await killWorker(w);
      await start(w);
    }
    if (Math.floor(stats.kills / 10) !== Math.floor(stats.reported / 10)) {
      stats.reported = stats.kills;
      const done = workload.plans.filter((p) => p.status === "completed").length;
      say(`${stats.kills} kills, ${workload.plans.filter((p) => p.id).length} launched, ${done} completed`);
    }
  }
}

// --- the run --------------------------------------------------------------------------------
let workload = null;
let receiver = null;

async function main() {
  const t0 = Date.now();
  console.log(`cluster chaos: 2 servers, ${opts.workers} workers, ${opts.executions} executions, ${opts.kills} kills, seed ${opts.seed}, in ${dir}`);
  startPostgres();
  receiver = await startReceiver(rand, problems);
  writeFileSync(join(dir, "providers.json"), JSON.stringify({
    prices: { offline: { input_per_1k: 0.5, output_per_1k: 1.0, per_image: 0.25 } },
    http: { allow_hosts: [`127.0.0.1:${receiver.port}`] },
  }));
  for (let i = 0; i < 2; i++) {
    servers.push({ name: `server ${i + 1}`, kind: "server", port: 0, starts: 0 });
    await start(servers[i]); // the first makes the schema and prints the admin key
  }
  for (let i = 0; i < opts.workers; i++) {
    workers.push({ name: `worker ${i + 1}`, kind: "worker", starts: 0 });
    await start(workers[i]);
  }
  const clients = servers.map((s) => client(() => ({ base: s.base, key: adminKey }), { unavailableIsDown: true }));
  workload = new Workload({ rand, seed: opts.seed, executions: opts.executions, clients, shipped: true, grant: GRANT, receiver, problems });
  await workload.prepare();
  // The followed execution: the first of the gate template (an approval, decided through either
  // server), never tweaked after it completes, so its stream's end is its last event.
  const followed = workload.plans.find((p) => p.templateName === "Kill campaign: gate");
  followed.tweakAfter = false;
  followed.noTweaks = true;
  let stopDriving = false;
  const driver = workload.drive(() => stopDriving, { rate: opts.rate });
  while (!followed.id) await sleep(20);
  const stream = follow(servers[1], followed.id, () => stopDriving);

  await chaos();
  const deadline = Date.now() + 180000;
  while (!workload.finished()) {
    if (Date.now() > deadline) {
      problems.push(`not finished 3 minutes after the last kill: ${workload.unfinished().join(", ")}`);
      break;
    }
    await sleep(200);
  }
  // The stream ends on its own (204 once it has everything); a stream still open has missed
  // something.
  const streamUntil = Date.now() + 30000;
  while (!stream.done && Date.now() < streamUntil) await sleep(100);
  stopDriving = true;
  await driver;
  await stream.finished;
  await waitForDeliveries(clients[0].must, problems);
  const events = new Map();
  const figures = await checkInvariants({ client: clients[0], workload, receiver, problems, events });

  // The followed stream: every event once, in order.
  const want = (events.get(followed.id) ?? []).map((e) => e.seq);
  if (!stream.done) problems.push(`the stream of ${followed.id} did not end within 30 s of the run's end`);
  if (JSON.stringify(stream.seen) !== JSON.stringify(want))
    problems.push(`the stream of ${followed.id} delivered [${stream.seen.join(",")}]; its log holds [${want.join(",")}]`);
  // No lease left behind.
  const held = psql("SELECT count(*) FROM executions WHERE owner <> ''");
  const leased = psql("SELECT count(*) FROM steps WHERE lease_owner <> ''");
  if (held !== "0") problems.push(`${held} executions still name an owner: ${psql("SELECT string_agg(id || ' ' || status || ' ' || owner, ', ') FROM executions WHERE owner <> ''")}`);
  if (leased !== "0") problems.push(`${leased} steps still hold a lease`);

  for (const p of [...servers, ...workers]) {
    const how = await signal(p, "SIGTERM");
    if (how !== null && how !== 0) problems.push(`${p.name} stopped with ${how}, not 0, on SIGTERM`);
  }
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  console.log(`cluster chaos: ${stats.kills} worker kills (${workers.reduce((n, w) => n + w.starts, 0)} worker starts), ` +
              `${stats.terminated} connections terminated, 1 database restart, ${figures.executions} executions ` +
              `(sub-executions included), ${figures.events} events, ${figures.paidSteps} paid step versions, ` +
              `${figures.spent} micro-credits spent, ${figures.deliveries} notifications, the followed stream ` +
              `${stream.seen.length} events over ${stream.reconnects + 1} connections, ` +
              `${workload.stats.poisonRetries} retries after the poison-pill guard, ${secs} s`);
  finish();
}

function finish() {
  receiver?.http.close();
  for (const p of [...servers, ...workers]) if (p.proc && p.proc.exitCode === null) process.kill(p.proc.pid, "SIGKILL");
  try {
    pgServer("stop", pgDir);
  } catch (e) {
    problems.push(`stopping PostgreSQL: ${e.message}`);
  }
  if (problems.length) {
    console.error(`cluster chaos FAILED (seed ${opts.seed}; the processes' log is in ${dir}/cluster.log):`);
    for (const p of problems) console.error(`  - ${p}`);
    process.exit(1);
  }
  console.log("cluster chaos: every invariant holds");
  if (!opts.keep) rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  problems.push(e.stack || String(e));
  finish();
});
