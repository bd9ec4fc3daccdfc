// The campaigns' workload: executions of templates that together cover maps, approvals,
// sub-executions and paid text and images, launched, decided and tweaked as a person would while
// processes are being killed under them.
import { NOTIFIED } from "./receiver.mjs";
import { sleep } from "./client.mjs";

const edge = (id, source, target, sourceHandle) => ({ id, source, target, ...(sourceHandle ? { sourceHandle } : {}) });
const text = (id, prompt, latency) => ({ id, type: "generate_text", data: { prompt, max_tokens: 200, latency_ms: latency } });
const image = (id, prompt, latency) => ({ id, type: "generate_image", data: { prompt, size: "64x64", latency_ms: latency } });

// Three shapes whose steps take tens of milliseconds, so that kills land while steps run.
export const TEMPLATES = [
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

// The workload over `clients` (one API client per server; executions are spread over them).
// `shipped`: every other execution is one of the shipped catalog's templates (every workspace
// has them), launched with its required inputs filled.
export class Workload {
  constructor({ rand, seed, executions, clients, shipped = false, grant, receiver, problems }) {
    Object.assign(this, { rand, seed, executions, clients, shipped, grant, receiver, problems });
    this.plans = [];
    this.stats = { poisonRetries: 0 };
  }

  clientOf(p) {
    return this.clients[p.n % this.clients.length];
  }

  anyClient() {
    return this.clients[Math.floor(this.rand() * this.clients.length)];
  }

  // The notification endpoint, the credit grant, the templates and the plan of each execution.
  async prepare() {
    const { must } = this.clients[0];
    const endpoint = await must("POST", "/api/v1/notifications/endpoints",
                                { name: "kill campaign", url: `http://127.0.0.1:${this.receiver.port}/hook`, events: NOTIFIED });
    this.receiver.secret = endpoint.body.secret;
    await must("POST", "/api/v1/credits/grants", { amount: this.grant, note: "kill campaign" });
    const own = [];
    for (const t of TEMPLATES) {
      const { tweak, ...definition } = t;
      const r = await must("POST", "/api/v1/templates", definition);
      own.push({ id: r.body.id, name: definition.name, tweak, inputs: (n) => ({ topic: `product ${n}` }) });
    }
    const catalog = this.shipped ? await this.shippedTemplates() : [];
    for (let i = 0; i < this.executions; i++) {
      const t = i % 2 === 1 && catalog.length ? catalog[Math.floor(i / 2) % catalog.length] : own[i % own.length];
      this.plans.push({
        n: i, template: t.id, templateName: t.name, inputs: t.inputs(i), tweakStep: t.tweak, id: "", status: "",
        tweakAfter: Boolean(t.tweak) && this.rand() < 0.3, // tweak a step once the execution has completed
        tweaked: false, decisions: 0,
      });
    }
  }

  // The shipped catalog: each template with its required inputs filled and its first generative
  // step to tweak.
  async shippedTemplates() {
    const { must } = this.clients[0];
    const list = await must("GET", "/api/v1/templates?limit=200");
    const out = [];
    for (const item of list.body.items.filter((x) => x.builtin)) {
      const full = await must("GET", `/api/v1/templates/${item.id}`);
      const def = full.body.definition;
      const required = Object.entries(def.inputs ?? {}).filter(([, spec]) => spec.required);
      const generative = (def.nodes ?? []).find((nd) => nd.type === "generate_text" || nd.type === "generate_image");
      out.push({
        id: item.id, name: item.name, tweak: generative?.id ?? "",
        inputs: (n) => Object.fromEntries(required.map(([k, spec]) =>
          [k, spec.type === "string" ? `${k} for product ${n}` : spec.type === "boolean" ? true : 3])),
      });
    }
    if (!out.length) throw new Error("the workspace has no shipped templates");
    return out;
  }

  // Launches the next planned executions (idempotent, so a launch cut by a kill is not doubled).
  async launchSome(count) {
    for (const p of this.plans.filter((x) => !x.id).slice(0, count)) {
      const { api, down } = this.clientOf(p);
      const r = await api("POST", "/api/v1/executions", { template_id: p.template, inputs: p.inputs },
                          { "Idempotency-Key": `kill-campaign-${this.seed}-${p.n}` });
      if (r.status === 201 || r.status === 200) p.id = r.body.id;
      else if (!down(r.status)) throw new Error(`launch ${p.n} answered ${r.status}: ${JSON.stringify(r.body)}`);
    }
  }

  // Decides waiting approvals: approve, approve with an edit, or (once per execution) tweak.
  async decideApprovals() {
    const { api } = this.anyClient();
    const r = await api("GET", "/api/v1/approvals?limit=200");
    if (r.status !== 200) return;
    for (const item of r.body.items) {
      const p = this.plans.find((x) => x.id === item.execution_id);
      const roll = this.rand();
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
      if (res.status >= 500 && res.status !== 503) this.problems.push(`deciding ${item.execution_id}/${item.step} answered ${res.status}`);
      else if (res.status === 200 || res.status === 201) p && p.decisions++;
    }
  }

  // Reads each launched execution's status; tweaks a completed one once when its plan says so.
  async followExecutions() {
    for (const p of this.plans.filter((x) => x.id)) {
      const { api } = this.clientOf(p);
      const r = await api("GET", `/api/v1/executions/${p.id}`);
      if (r.status !== 200) return;
      p.status = r.body.status;
      // A step whose process died under it 3 times in a row is failed as a poison pill; the
      // campaign's kills can do that to a healthy step, and `retry` is the documented way on.
      if (p.status === "failed" && JSON.stringify(r.body.error ?? "").includes("died")) {
        const t = await api("POST", `/api/v1/executions/${p.id}/retry`);
        if (t.status === 200 || t.status === 201) {
          this.stats.poisonRetries++;
          p.status = "running";
        }
        continue;
      }
      if (p.status === "completed" && p.tweakAfter && !p.tweaked) {
        const t = await api("POST", `/api/v1/executions/${p.id}/steps/${p.tweakStep}/tweak`, { instruction: "warmer" });
        if (t.status === 200 || t.status === 201) {
          p.tweaked = true;
          p.status = "running";
        } else if (t.status >= 400 && t.status !== 409 && t.status !== 503) {
          this.problems.push(`tweak of ${p.id}/${p.tweakStep} answered ${t.status}: ${JSON.stringify(t.body)}`);
          p.tweaked = true;
        }
      }
    }
  }

  finished() {
    return this.plans.every((p) => p.id && p.status === "completed" && (!p.tweakAfter || p.tweaked));
  }

  // Once all are launched and done, plans tweaks again, so later kills still land on work in
  // flight.
  replanTweaks() {
    for (const p of this.plans) if (p.tweakStep && !p.noTweaks && this.rand() < 0.3) {
      p.tweakAfter = true;
      p.tweaked = false;
    }
  }

  unfinished() {
    return this.plans.filter((p) => p.status !== "completed").map((p) => `${p.id || p.n}=${p.status || "unlaunched"}`);
  }

  // Drives the workload until `stop()` says so: launches (`perRound` each round, or with `rate`,
  // that many a second on average from the start), decisions, tweaks.
  async drive(stop, { perRound = 2, rate = 0 } = {}) {
    const t0 = Date.now();
    while (!stop()) {
      const launched = this.plans.filter((p) => p.id).length;
      await this.launchSome(rate ? Math.floor(((Date.now() - t0) / 1000) * rate) - launched : perRound);
      await this.decideApprovals();
      await this.followExecutions();
      await sleep(30);
    }
  }
}
