// The shell: sign in first (unless the session cookie, e.g. from a one-time sign-in link, is
// still good), then the runs, one execution, and the templates. The address bar follows the view
// (/, /executions/ID, /templates), so a view can be linked and reloaded.
import { useEffect, useState } from "react";
import { api, type Schemas } from "./api/client";
import { ExecutionView } from "./screens/ExecutionView";
import { Executions } from "./screens/Executions";
import { SignIn } from "./screens/SignIn";
import { Templates } from "./screens/Templates";

export type View = { kind: "runs" } | { kind: "templates" } | { kind: "execution"; id: string };

export function viewFromPath(path: string): View {
  const m = /^\/executions\/([^/]+)$/.exec(path);
  if (m?.[1]) return { kind: "execution", id: decodeURIComponent(m[1]) };
  if (path === "/templates") return { kind: "templates" };
  return { kind: "runs" };
}

export function pathOf(view: View): string {
  if (view.kind === "execution") return `/executions/${encodeURIComponent(view.id)}`;
  return view.kind === "templates" ? "/templates" : "/";
}

export function App() {
  const [who, setWho] = useState<Schemas["Workspace"] | null>(null);
  const [checked, setChecked] = useState(false);
  const [view, setView] = useState<View>(() => viewFromPath(window.location.pathname));

  useEffect(() => {
    void api.GET("/api/v1/workspace").then(({ data }) => {
      if (data) setWho(data);
      setChecked(true);
    });
    const onPop = () => setView(viewFromPath(window.location.pathname));
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);

  function go(next: View) {
    window.history.pushState(null, "", pathOf(next));
    setView(next);
  }

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
          <button aria-current={view.kind !== "templates"} onClick={() => go({ kind: "runs" })}>
            Runs
          </button>
          <button aria-current={view.kind === "templates"} onClick={() => go({ kind: "templates" })}>
            Templates
          </button>
        </nav>
        <span className="who">
          {who.name} · {who.key.role}
        </span>
        <button onClick={() => void signOut()}>Sign out</button>
      </header>
      <main>
        {view.kind === "runs" && <Executions onOpen={(id) => go({ kind: "execution", id })} />}
        {view.kind === "execution" && <ExecutionView key={view.id} id={view.id} role={who.key.role} />}
        {view.kind === "templates" && (
          <Templates role={who.key.role} onLaunched={(id) => go({ kind: "execution", id })} />
        )}
      </main>
    </div>
  );
}
