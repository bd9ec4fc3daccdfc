// The shell: sign in first (unless the session cookie, e.g. from a one-time sign-in link, is
// still good), then the screens. The address bar follows the view (nav.ts), so a view can be
// linked and reloaded.
import { lazy, Suspense, useEffect, useState } from "react";
import { api, type Schemas } from "./api/client";
import { Executions } from "./screens/Executions";
import { SignIn } from "./screens/SignIn";
import { Templates } from "./screens/Templates";
import { navigate, useView } from "./nav";

// The execution screen (graph, Markdown, diffs, virtual lists) loads when it is first opened.
const ExecutionView = lazy(() => import("./execution/ExecutionView").then((m) => ({ default: m.ExecutionView })));

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
  return (
    <div className="app">
      <header>
        <strong>Atelier</strong>
        <nav aria-label="Screens">
          <button aria-current={view.kind !== "templates"} onClick={() => navigate({ kind: "runs" })}>
            Runs
          </button>
          <button aria-current={view.kind === "templates"} onClick={() => navigate({ kind: "templates" })}>
            Templates
          </button>
        </nav>
        <span className="who">
          {who.name} · {who.key.role}
        </span>
        <button onClick={() => void signOut()}>Sign out</button>
      </header>
      <main>
        {view.kind === "runs" && <Executions onOpen={(id) => navigate({ kind: "execution", id })} />}
        {view.kind === "execution" && (
          <Suspense fallback={<p>Loading…</p>}>
            <ExecutionView key={view.id} id={view.id} role={who.key.role} />
          </Suspense>
        )}
        {view.kind === "templates" && (
          <Templates role={who.key.role} onLaunched={(id) => navigate({ kind: "execution", id })} />
        )}
      </main>
    </div>
  );
}
