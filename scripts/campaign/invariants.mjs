// The invariants the campaigns check once the work has ended, through the API:
//   - every execution (sub-executions too) finished completed, and nothing is left running or
//     queued;
//   - each execution's event sequence is 1..N with no gap, and the workspace positions (gid) of
//     all events are gap-free too;
//   - each step succeeds exactly once per version (no step_succeeded twice for one version);
//   - the ledger balances: nothing reserved at the end, and spent == the sum of what the
//     committed step versions cost (so no call was charged twice and none for free);
//   - every artifact's bytes are there and match its size and SHA-256;
//   - every notification is made exactly once and received at least once, always with the same
//     body and a valid signature, and the API shows each one delivered.
import { createHash } from "node:crypto";
import { NOTIFIED } from "./receiver.mjs";

async function allPages(must, pathFor) {
  const items = [];
  let cursor = "";
  for (;;) {
    const r = await must("GET", pathFor(cursor));
    items.push(...r.body.items);
    if (!r.body.next_cursor) return items;
    cursor = r.body.next_cursor;
  }
}

// Pushes each violation to `problems`; answers the figures. `events` (optional) collects each
// execution's events by id, for checks of the caller's own.
export async function checkInvariants({ client, workload, receiver, problems, events: eventsById = new Map() }) {
  const { api, must } = client;
  const { plans, grant } = workload;
  const executions = await allPages(must, (c) => `/api/v1/executions?include_sub=true&limit=200${c ? `&cursor=${c}` : ""}`);
  const top = executions.filter((e) => plans.some((p) => p.id === e.id));
  if (top.length !== plans.length) problems.push(`${plans.length} executions launched, ${top.length} found`);
  let spent = 0;
  let paidSteps = 0;
  const gids = [];
  const notifiable = new Map(); // gid -> execution id: the events the endpoint must report
  for (const ex of executions) {
    if (ex.status !== "completed")
      problems.push(`${ex.id} ended ${ex.status} (${JSON.stringify(ex.error ?? ex.reason ?? "no reason")})`);
    const events = await allPages(must, (c) => `/api/v1/executions/${ex.id}/events?limit=500${c ? `&after=${c}` : ""}`);
    eventsById.set(ex.id, events);
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
  if (credits.granted !== grant) problems.push(`granted ${credits.granted}, expected ${grant}`);
  // Each settlement is rounded to a micro-credit on its own: allow one per paid step.
  if (Math.abs(credits.spent - spent) > paidSteps)
    problems.push(`the ledger spent ${credits.spent} micro-credits; the committed step versions cost ${spent}`);
  if (credits.balance !== credits.granted - credits.spent - credits.reserved)
    problems.push(`balance ${credits.balance} != granted - spent - reserved`);
  const running = await must("GET", "/api/v1/executions?status=running&include_sub=true");
  if (running.body.items.length) problems.push(`${running.body.items.length} executions still running`);
  const notes = await checkNotifications(must, notifiable, receiver, problems);
  return { executions: executions.length, events: gids.length, paidSteps, spent: credits.spent, ...notes };
}

// Each notifiable event has exactly one delivery, delivered, and the receiver got it (maybe more
// than once, always the same); the receiver got nothing the API does not know.
async function checkNotifications(must, notifiable, receiver, problems) {
  const deliveries = await allPages(must, (c) => `/api/v1/notifications/deliveries?limit=500${c ? `&cursor=${c}` : ""}`);
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

// Waits until no notification is pending (retries wait 10 s and more, and a delivery claimed by a
// killed process waits out its claim), at most `ms`.
export async function waitForDeliveries(must, problems, ms = 180000) {
  const quiet = Date.now() + ms;
  for (;;) {
    const pending = await must("GET", "/api/v1/notifications/deliveries?status=pending&limit=1");
    if (!pending.body.items.length) return;
    if (Date.now() > quiet) {
      problems.push(`deliveries still pending ${Math.round(ms / 60000)} minutes after the work ended (${pending.body.items[0].id}: ${pending.body.items[0].last_error ?? "no error"})`);
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
