// Where the UI is: every screen has a path, so a view can be linked, reloaded and gone back to.
// Screens move with `navigate(view)`; the shell (App) follows with `useView()`.
import { useEffect, useState } from "react";

export type View =
  | { kind: "runs" }
  | { kind: "execution"; id: string }
  | { kind: "templates" }
  // The launch form of a template; `from` fills it with an execution's inputs ("back").
  | { kind: "launch"; templateId: string; from?: string }
  // The designer: a new template, or a template's latest version.
  | { kind: "designer"; templateId?: string }
  | { kind: "approvals" }
  // Schedules and inbound webhook triggers.
  | { kind: "automations" }
  | { kind: "gallery" }
  | { kind: "credits" }
  | { kind: "keys" };

const simple = ["templates", "approvals", "automations", "gallery", "credits", "keys"] as const;

export function viewFromLocation(path: string, search = ""): View {
  const part = (re: RegExp) => {
    const m = re.exec(path);
    return m?.[1] ? decodeURIComponent(m[1]) : null;
  };
  const execution = part(/^\/executions\/([^/]+)$/);
  if (execution) return { kind: "execution", id: execution };
  const launch = part(/^\/templates\/([^/]+)\/launch$/);
  if (launch) {
    const from = new URLSearchParams(search).get("from");
    return from ? { kind: "launch", templateId: launch, from } : { kind: "launch", templateId: launch };
  }
  if (path === "/designer") return { kind: "designer" };
  const designed = part(/^\/designer\/([^/]+)$/);
  if (designed) return { kind: "designer", templateId: designed };
  for (const kind of simple) if (path === `/${kind}`) return { kind };
  return { kind: "runs" };
}

export function pathOf(view: View): string {
  const enc = encodeURIComponent;
  switch (view.kind) {
    case "runs":
      return "/";
    case "execution":
      return `/executions/${enc(view.id)}`;
    case "launch":
      return `/templates/${enc(view.templateId)}/launch${view.from ? `?from=${enc(view.from)}` : ""}`;
    case "designer":
      return view.templateId ? `/designer/${enc(view.templateId)}` : "/designer";
    default:
      return `/${view.kind}`;
  }
}

const NAVIGATED = "atelier:navigate";

// A screen with unsaved work (the designer) may ask before the view changes: `leave` returns
// false to stay. One at a time; the returned function removes it.
let leaveGuard: (() => boolean) | null = null;
export function guardLeaving(leave: () => boolean): () => void {
  leaveGuard = leave;
  return () => {
    if (leaveGuard === leave) leaveGuard = null;
  };
}

// Goes to `view`, adding it to the browser's history.
export function navigate(view: View) {
  if (leaveGuard && !leaveGuard()) return;
  window.history.pushState(null, "", pathOf(view));
  window.dispatchEvent(new Event(NAVIGATED));
}

// Goes to `view` in place of the current entry (a new template's address once it is saved).
export function replaceView(view: View) {
  window.history.replaceState(null, "", pathOf(view));
  window.dispatchEvent(new Event(NAVIGATED));
}

function current(): View {
  return viewFromLocation(window.location.pathname, window.location.search);
}

// The view the address bar shows, following navigate() and the browser's back and forward.
export function useView(): View {
  const [view, setView] = useState<View>(current);
  useEffect(() => {
    const follow = () => setView(current());
    window.addEventListener("popstate", follow);
    window.addEventListener(NAVIGATED, follow);
    return () => {
      window.removeEventListener("popstate", follow);
      window.removeEventListener(NAVIGATED, follow);
    };
  }, []);
  return view;
}
