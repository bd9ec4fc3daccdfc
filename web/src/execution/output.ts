// What a step's output holds for a person: Markdown text, images (by artifact id) and the rest
// as JSON. Pure.
export interface OutputImage {
  artifactId: string;
  name: string;
  width?: number;
  height?: number;
}

function rec(v: unknown): Record<string, unknown> | null {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? { ...v } : null;
}

function image(v: unknown): OutputImage | null {
  const r = rec(v);
  const id = r?.["artifact_id"];
  if (!r || typeof id !== "string") return null;
  const name = typeof r["name"] === "string" ? r["name"] : id;
  const w = r["width"];
  const h = r["height"];
  return { artifactId: id, name, ...(typeof w === "number" ? { width: w } : {}), ...(typeof h === "number" ? { height: h } : {}) };
}

// The images of an output: `images` (a list), else `image`, else none.
export function outputImages(output: unknown): OutputImage[] {
  const r = rec(output);
  if (!r) return [];
  const list = r["images"];
  if (Array.isArray(list)) return list.map(image).filter((i): i is OutputImage => i !== null);
  const one = image(r["image"]);
  return one ? [one] : [];
}

// The generated text of an output (`text`), if any.
export function outputText(output: unknown): string | null {
  const t = rec(output)?.["text"];
  return typeof t === "string" ? t : null;
}

export function contentUrl(artifactId: string): string {
  return `/api/v1/artifacts/${encodeURIComponent(artifactId)}/content`;
}

export interface PromptTurn {
  role: string;
  content: string;
}

// The rendered prompt a version was made from, as the API exposes it: the `turns` or `messages`
// of the version's provider session (system, user and the model's own answers). Empty when the
// version has none (steps that call no model).
export function promptTurns(session: unknown): PromptTurn[] {
  const r = rec(session);
  const list = r?.["messages"] ?? r?.["turns"];
  if (!Array.isArray(list)) return [];
  const out: PromptTurn[] = [];
  for (const t of list) {
    const m = rec(t);
    if (m && typeof m["role"] === "string" && typeof m["content"] === "string")
      out.push({ role: m["role"], content: m["content"] });
  }
  return out;
}
