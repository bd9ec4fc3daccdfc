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
import { mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { client, mulberry32, parseArgs, sleep } from "./campaign/client.mjs";
import { checkInvariants, waitForDeliveries } from "./campaign/invariants.mjs";
import { startReceiver } from "./campaign/receiver.mjs";
import { Workload } from "./campaign/workload.mjs";

const opts = options(process.argv.slice(2));
const rand = mulberry32(opts.seed);
const dir = mkdtempSync(join(tmpdir(), "atelier-kills-"));
const log = openSync(join(dir, "server.log"), "a");
const GRANT = 100_000_000_000; // micro-credits: 100,000 credits, far more than 200 kills of tweaks spend

function options(argv) {
  const o = parseArgs(argv, { bin: "", kills: 200, executions: 40, seed: Date.now() % 1e9, minMs: 40, maxMs: 1200, keep: false },
                      usage);
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

const problems = [];
const api = client(() => ({ base: server.base, key: server.key }));
let receiver = null;
let workload = null;

async function prepare() {
  receiver = await startReceiver(rand, problems);
  writeFileSync(join(dir, "providers.json"), JSON.stringify({
    prices: { offline: { input_per_1k: 0.5, output_per_1k: 1.0, per_image: 0.25 } },
    http: { allow_hosts: [`127.0.0.1:${receiver.port}`] },
  }));
  await startServer();
  workload = new Workload({ rand, seed: opts.seed, executions: opts.executions, clients: [api], grant: GRANT, receiver, problems });
  await workload.prepare();
}

// --- the campaign ---------------------------------------------------------------------------
async function main() {
  const t0 = Date.now();
  console.log(`kill campaign: ${opts.kills} kills, ${opts.executions} executions, seed ${opts.seed}, in ${dir}`);
  await prepare();
  const { plans } = workload;
  let kills = 0;
  let stopDriving = false;
  const driver = workload.drive(() => stopDriving);
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
    if (workload.finished() && kills < opts.kills) workload.replanTweaks();
  }
  const deadline = Date.now() + 120000;
  while (!workload.finished()) {
    if (Date.now() > deadline) {
      problems.push(`not finished 2 minutes after the last kill: ${workload.unfinished().join(", ")}`);
      break;
    }
    await sleep(100);
  }
  stopDriving = true;
  await driver;
  await sleep(2000);
  await waitForDeliveries(api.must, problems);
  const figures = await checkInvariants({ client: api, workload, receiver, problems });
  await stopServer();
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  console.log(`kill campaign: ${kills} kills (${server.starts} starts), ${figures.executions} executions ` +
              `(sub-executions included), ${figures.events} events, ${figures.paidSteps} paid step versions, ` +
              `${figures.spent} micro-credits spent, ${figures.deliveries} notifications in ${figures.posts} POSTs, ` +
              `${workload.stats.poisonRetries} retries after the poison-pill guard, ${secs} s`);
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
