// The shell: sign in first (unless the session cookie, e.g. from a one-time sign-in link, is
// still good), then the screens. The address bar follows the view (nav.ts), so a view can be
// linked and reloaded.
import { lazy, Suspense, useEffect, useState } from "react";
import { api, type Schemas } from "./api/client";
import { Executions } from "./screens/Executions";
import { LaunchForm } from "./screens/LaunchForm";
import { SignIn } from "./screens/SignIn";
import { Templates } from "./screens/Templates";
import { navigate, useView, type View } from "./nav";
import { Credits } from "./screens/Credits";
import { Gallery } from "./screens/Gallery";
import { Keys } from "./screens/Keys";

// Which nav button a view belongs to.
function section(view: View): View["kind"] {
  if (view.kind === "execution") return "runs";
  if (view.kind === "launch") return "templates";
  if (view.kind === "designer" && view.templateId) return "templates";
  return view.kind;
}

// The execution screen (graph, Markdown, diffs, virtual lists) loads when it is first opened.
const ExecutionView = lazy(() => import("./execution/ExecutionView").then((m) => ({ default: m.ExecutionView })));

// The approvals inbox (with its Markdown renderer) loads when first opened.
const Approvals = lazy(() => import("./screens/Approvals"));

// The designer (React Flow editing, forms per node type) loads when first opened.
const Designer = lazy(() => import("./designer/Designer"));

// Automations (schedules and webhook triggers) load when first opened.
const Automations = lazy(() => import("./screens/Automations"));

export function App() {
  const [who, setWho] = useState<Schemas["Workspace"] | null>(null);
  const [checked, setChecked] = useState(false);
  const view = useView();

  useEffect(() => {
    void api.GET("/api/v1/workspace").then(({ data }) => {
      if (data) setWho(data);
      setChecked(true);
    });
  }, []);

  async function signOut() {
    await api.DELETE("/api/v1/session", { params: { header: { "X-Atelier-CSRF": "1" } } });
    setWho(null);
  }

  if (!checked) return null;
  if (!who) return <SignIn onSignedIn={setWho} />;
  const role = who.key.role;
  const current = section(view);
  const button = (kind: "runs" | "templates" | "designer" | "approvals" | "automations" | "gallery" | "credits" | "keys", label: string, why?: string) => (
    <button
      aria-current={current === kind ? "page" : undefined}
      disabled={why !== undefined}
      title={why}
      onClick={() => navigate({ kind })}
    >
      {label}
    </button>
  );
  return (
    <div className="app">
      <header>
        <strong>Atelier</strong>
        <nav aria-label="Screens">
          {button("runs", "Runs")}
          {button("templates", "Templates")}
          {button("designer", "New template")}
          {button("approvals", "Approvals")}
          {button("automations", "Automations")}
          {button("gallery", "Gallery")}
          {button("credits", "Credits")}
          {button("keys", "Keys", role === "admin" ? undefined : `Managing API keys needs the admin role; your key has ${role}`)}
        </nav>
        <span className="who">
          {who.name} · {role}
        </span>
        <button onClick={() => void signOut()}>Sign out</button>
      </header>
      <main>
        {view.kind === "runs" && <Executions />}
        {view.kind === "execution" && (
          <Suspense fallback={<p>Loading…</p>}>
            <ExecutionView key={view.id} id={view.id} role={role} />
          </Suspense>
        )}
        {view.kind === "designer" && (
          <Suspense fallback={<p>Loading the designer…</p>}>
            <Designer templateId={view.templateId} role={role} />
          </Suspense>
        )}
        {view.kind === "templates" && <Templates role={role} />}
        {view.kind === "launch" && <LaunchForm key={`${view.templateId}/${view.from ?? ""}`} templateId={view.templateId} from={view.from} role={role} />}
        {view.kind === "approvals" && (
          <Suspense fallback={<p>Loading…</p>}>
            <Approvals role={role} />
          </Suspense>
        )}
        {view.kind === "automations" && (
          <Suspense fallback={<p>Loading…</p>}>
            <Automations role={role} />
          </Suspense>
        )}
        {view.kind === "gallery" && <Gallery />}
        {view.kind === "credits" && <Credits role={role} />}
        {view.kind === "keys" && <Keys role={role} selfId={who.key.id} />}
      </main>
    </div>
  );
}
