#!/usr/bin/env node
// Soak (issue 12): runs `atelier serve` for a long time at a steady launch rate with live event
// subscribers, and samples what must stay flat: resident memory, open files, threads, the
// database and WAL sizes, and the stored files. Writes a CSV and, with gnuplot (Debian's
// gnuplot-nox), a PNG plot.
//
// Usage: node scripts/soak.mjs --bin build/atelier [--minutes 30] [--rate 2] [--subscribers 20]
//          [--template "Instagram post"] [--out docs/soak]
//          [--keep-last N [--retention-interval-ms 30000] [--blob-grace-ms 300000]]
// --keep-last sets a retention policy (docs/retention.md) that keeps the newest N finished runs,
// swept every --retention-interval-ms; stored files go once nothing names them and they are older
// than --blob-grace-ms.
// Checks at the end (exit 1 when one fails): no request answered 5xx, every launched execution
// finished (or was deleted by retention, which deletes only finished ones), resident memory in the
// last third of the run grew by at most 10% over the middle third (the first third is warm-up:
// caches filling), and with retention the database and the stored files did too.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const o = { bin: "", minutes: 30, rate: 2, subscribers: 20, template: "Instagram post", out: "docs/soak", sampleMs: 10000,
            keepLast: 0, retentionIntervalMs: 30000, blobGraceMs: 300000 };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  const v = process.argv[++i];
  if (v === undefined) fail(`${a} needs a value`);
  if (a === "--bin") o.bin = resolve(v);
  else if (a === "--minutes") o.minutes = Number(v);
  else if (a === "--rate") o.rate = Number(v);
  else if (a === "--subscribers") o.subscribers = Number(v);
  else if (a === "--template") o.template = v;
  else if (a === "--out") o.out = resolve(v);
  else if (a === "--sample-ms") o.sampleMs = Number(v);
  else if (a === "--keep-last") o.keepLast = Number(v);
  else if (a === "--retention-interval-ms") o.retentionIntervalMs = Number(v);
  else if (a === "--blob-grace-ms") o.blobGraceMs = Number(v);
  else fail(`unknown option '${a}'`);
}
if (!o.bin) fail("--bin PATH (the atelier executable) is required");
for (const k of ["minutes", "rate", "subscribers", "sampleMs", "keepLast", "retentionIntervalMs", "blobGraceMs"])
  if (!(o[k] > 0) && !((k === "subscribers" || k === "keepLast") && o[k] === 0))
    fail(`--${k}: '${o[k]}' is not a positive number`);

function fail(msg) {
  console.error(`soak: ${msg}`);
  process.exit(64);
}

const dir = mkdtempSync(join(tmpdir(), "atelier-soak-"));
const db = join(dir, "atelier.db");
const blobs = join(dir, "atelier-blobs");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function start() {
  return new Promise((ok, bad) => {
    const log = openSync(join(dir, "server.log"), "a");
    const args = ["serve", "--db", db, "--listen", "127.0.0.1:0"];
    if (o.keepLast)
      args.push("--retention-interval-ms", String(o.retentionIntervalMs), "--retention-blob-grace-ms", String(o.blobGraceMs));
    const proc = spawn(o.bin, args, { cwd: dir, stdio: ["ignore", "pipe", log] });
    let out = "";
    proc.stdout.on("data", (c) => {
      out += c;
      const base = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      const key = /^(atl_[0-9a-f]+)$/m.exec(out)?.[1];
      if (base && key) {
        proc.stdout.removeAllListeners("data");
        proc.stdout.resume();
        ok({ proc, base, key });
      }
    });
    proc.on("exit", (code) => bad(new Error(`the server exited (${code}):\n${out}`)));
  });
}

const { proc, base, key } = await start();
const auth = { Authorization: `Bearer ${key}` };
const stats = { launched: 0, fiveXX: 0, events: 0, errors: 0 };
const ids = new Set();

async function call(method, path, body) {
  const r = await fetch(base + path, {
    method, headers: { ...auth, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (r.status >= 500) stats.fiveXX++;
  return { status: r.status, body: await r.json().catch(() => null) };
}

if (o.keepLast) {
  const r = await call("PUT", "/api/v1/retention", { keep_last: o.keepLast });
  if (r.status !== 200) fail(`setting the retention policy answered ${r.status}: ${JSON.stringify(r.body)}`);
}

// The size of the stored files (bytes), summed over the blob folder.
function folderBytes(p) {
  let n = 0;
  if (!existsSync(p)) return 0;
  for (const e of readdirSync(p, { withFileTypes: true })) {
    const q = join(p, e.name);
    if (e.isDirectory()) n += folderBytes(q);
    else if (e.isFile()) n += statSync(q, { throwIfNoEntry: false })?.size ?? 0;
  }
  return n;
}

// Live subscribers to the workspace stream, each reading every event until the end.
const controllers = [];
for (let i = 0; i < o.subscribers; i++) {
  const ctrl = new AbortController();
  controllers.push(ctrl);
  (async () => {
    try {
      const r = await fetch(base + "/api/v1/events/stream", { headers: auth, signal: ctrl.signal });
      const reader = r.body.getReader();
      const dec = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        stats.events += (dec.decode(value).match(/^id: /gm) ?? []).length;
      }
    } catch (e) {
      if (e.name !== "AbortError") stats.errors++;
    }
  })();
}

function sample(t0) {
  const status = readFileSync(`/proc/${proc.pid}/status`, "utf8");
  const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? 0);
  const size = (p) => (existsSync(p) ? statSync(p).size : 0);
  return {
    t: Math.round((Date.now() - t0) / 1000),
    rss_mb: +(kb("VmRSS") / 1024).toFixed(1),
    fds: readdirSync(`/proc/${proc.pid}/fd`).length,
    threads: kb("Threads"),
    db_mb: +(size(db) / 1048576).toFixed(2),
    wal_mb: +(size(`${db}-wal`) / 1048576).toFixed(2),
    blobs_mb: +(folderBytes(blobs) / 1048576).toFixed(2),
    launched: stats.launched,
    events: stats.events,
  };
}

const t0 = Date.now();
const end = t0 + o.minutes * 60000;
const rows = [sample(t0)];
console.log(`soak: ${o.minutes} min, ${o.rate} launches/s, ${o.subscribers} subscribers, in ${dir}`);
let nextSample = t0 + o.sampleMs;
let nextLaunch = t0;
while (Date.now() < end) {
  if (Date.now() >= nextLaunch) {
    nextLaunch += 1000 / o.rate;
    call("POST", "/api/v1/executions", { template_name: o.template, inputs: { product: `soak ${stats.launched}` } })
      .then((r) => (r.status === 201 ? ids.add(r.body.id) : stats.errors++))
      .catch(() => stats.errors++);
    stats.launched++;
  }
  if (Date.now() >= nextSample) {
    nextSample += o.sampleMs;
    const s = sample(t0);
    rows.push(s);
    console.log(`  ${s.t}s rss ${s.rss_mb} MB, fds ${s.fds}, threads ${s.threads}, db ${s.db_mb} MB, wal ${s.wal_mb} MB, files ${s.blobs_mb} MB, ${s.launched} launched, ${s.events} events seen`);
  }
  await sleep(Math.max(1, Math.min(nextLaunch, nextSample) - Date.now()));
}

// Let the last launches finish, then check every execution ended (404: retention deleted it, and
// it deletes only finished executions).
let unfinished = [...ids];
let deleted = 0;
for (let i = 0; i < 600 && unfinished.length; i++) {
  const still = [];
  for (const id of unfinished) {
    const r = await call("GET", `/api/v1/executions/${id}`);
    if (r.status === 404 && o.keepLast) deleted++;
    else if (!["completed", "failed", "stopped"].includes(r.body?.status)) still.push(id);
  }
  unfinished = still;
  if (unfinished.length) await sleep(500);
}
rows.push(sample(t0));
for (const c of controllers) c.abort();
process.kill(proc.pid, "SIGTERM");

mkdirSync(o.out, { recursive: true });
const csv = join(o.out, "soak.csv");
const cols = Object.keys(rows[0]);
writeFileSync(csv, [cols.join(","), ...rows.map((r) => cols.map((c) => r[c]).join(","))].join("\n") + "\n");
let png = "";
try {
  execFileSync("gnuplot", ["--version"], { stdio: "ignore" });
  png = join(o.out, "soak.png");
  const plot = `set terminal png size 960,540
set output '${png}'
set datafile separator ','
set key autotitle columnhead left top
set xlabel 'minutes'
set ylabel 'MB'
set y2label 'open files, threads'
set y2tics
set ytics nomirror
set title 'atelier serve: ${o.rate} launches/s, ${o.subscribers} live subscribers${o.keepLast ? `, retention keeps the newest ${o.keepLast}` : ""}'
plot '${csv}' using ($1/60):2 with lines lw 2 title 'resident memory (MB)', \\
     '' using ($1/60):5 with lines lw 2 title 'database (MB)', \\
     '' using ($1/60):6 with lines lw 2 title 'WAL (MB)', \\
     '' using ($1/60):7 with lines lw 2 title 'stored files (MB)', \\
     '' using ($1/60):3 axes x1y2 with lines lw 2 title 'open files', \\
     '' using ($1/60):4 axes x1y2 with lines lw 2 title 'threads'
`;
  execFileSync("gnuplot", [], { input: plot });
} catch {
  png = "";
  console.log("soak: gnuplot not found (apt-get install gnuplot-nox); wrote the CSV only");
}

const third = Math.floor(rows.length / 3);
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const thirds = (col) => [median(rows.slice(third, 2 * third).map((r) => r[col])), median(rows.slice(2 * third).map((r) => r[col]))];
const [mid, last] = thirds("rss_mb");
const problems = [];
if (stats.fiveXX) problems.push(`${stats.fiveXX} answers were 5xx`);
if (unfinished.length) problems.push(`${unfinished.length} executions did not finish`);
if (stats.errors) problems.push(`${stats.errors} launches or streams failed`);
if (last > mid * 1.1) problems.push(`resident memory grew from ${mid} MB (middle third) to ${last} MB (last third)`);
if (o.keepLast) {
  for (const [col, what] of [["db_mb", "the database"], ["blobs_mb", "the stored files"]]) {
    const [m, l] = thirds(col);
    if (l > m * 1.1) problems.push(`${what} grew from ${m} MB (middle third) to ${l} MB (last third) under retention`);
  }
}
console.log(`soak: ${stats.launched} launched${o.keepLast ? ` (${deleted} of them deleted by retention)` : ""}, ${stats.events} events delivered to ${o.subscribers} subscribers; ` +
            `rss median ${mid} MB (middle third) -> ${last} MB (last third); CSV ${csv}${png ? `, plot ${png}` : ""}`);
if (problems.length) {
  for (const p of problems) console.error(`soak: ${p}`);
  console.error(`soak: the server's log is in ${dir}/server.log`);
  process.exit(1);
}
rmSync(dir, { recursive: true, force: true });
