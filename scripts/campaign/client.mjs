// What the campaigns (kill_campaign.mjs, cluster_chaos.mjs) share: their option parser, a seeded
// random generator, and an API client that tells a server that is down from one that refused.
import { resolve as resolvePath } from "node:path";

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A small seeded generator, so a failing campaign can be replayed with its --seed.
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// An API client of one server. `target()` answers {base, key} (the server may move to another
// port when it restarts). With `unavailableIsDown`, a 503 counts as "down" (try again): a cluster
// whose database is restarting or out of connections answers 503, as documented.
export function client(target, { unavailableIsDown = false } = {}) {
  const down = (status) => status === 0 || (unavailableIsDown && status === 503);

  // Answers {status, body, raw}, or {status: 0} when the server cannot be reached (killed).
  async function api(method, path, body, headers = {}) {
    const { base, key } = target();
    try {
      const r = await fetch(base + path, {
        method,
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json", ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10000),
      });
      const raw = Buffer.from(await r.arrayBuffer());
      const textBody = raw.toString("utf8");
      let json = null;
      try {
        json = textBody ? JSON.parse(textBody) : null;
      } catch {
        json = null;
      }
      return { status: r.status, body: json, raw };
    } catch {
      return { status: 0, body: null };
    }
  }

  // Calls until the server answers (it may be restarting, or its database); throws on any other
  // answer than `ok`, a 5xx included.
  async function must(method, path, body, ok = [200, 201], headers = {}) {
    let last = null;
    for (let tries = 0; tries < 1200; tries++) {
      const r = await api(method, path, body, headers);
      if (ok.includes(r.status)) return r;
      if (!down(r.status)) throw new Error(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
      last = r;
      await sleep(50);
    }
    throw new Error(`${method} ${path}: no answer for 60 s (last: ${last?.status} ${JSON.stringify(last?.body)})`);
  }

  return { api, must, down };
}

// Parses `--some-name value` options into a copy of `defaults` (key someName): a whole number
// (>= 0) where the default is a number, true for a boolean default (a flag, no value), an
// absolute path for `--bin`, the text otherwise. Calls `usage(message)` (which exits) on an
// unknown option, a missing value or a number that is not one.
export function parseArgs(argv, defaults, usage) {
  const o = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const key = a.startsWith("--") ? a.slice(2).replace(/-([a-z])/g, (_, c) => c.toUpperCase()) : "";
    if (!key || !Object.hasOwn(o, key)) usage(`unknown option '${a}'`);
    if (typeof o[key] === "boolean") {
      o[key] = true;
      continue;
    }
    if (i + 1 >= argv.length) usage(`${a} needs a value`);
    const v = argv[++i];
    if (typeof o[key] === "number") {
      if (!Number.isInteger(Number(v)) || Number(v) < 0) usage(`${a}: '${v}' is not a whole number`);
      o[key] = Number(v);
    } else {
      o[key] = key === "bin" ? resolvePath(v) : v;
    }
  }
  return o;
}
