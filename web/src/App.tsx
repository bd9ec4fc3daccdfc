// The shell: sign in first, then the executions and templates screens.
import { useState } from "react";
import { Executions } from "./screens/Executions";
import { SignIn } from "./screens/SignIn";
import { Templates } from "./screens/Templates";
import type { Schemas } from "./api/client";

type Screen = "executions" | "templates";

export function App() {
  const [who, setWho] = useState<Schemas["Workspace"] | null>(null);
  const [screen, setScreen] = useState<Screen>("executions");
  if (!who) return <SignIn onSignedIn={setWho} />;
  return (
    <div className="app">
      <header>
        <strong>Atelier</strong>
        <nav aria-label="Screens">
          <button aria-current={screen === "executions"} onClick={() => setScreen("executions")}>
            Runs
          </button>
          <button aria-current={screen === "templates"} onClick={() => setScreen("templates")}>
            Templates
          </button>
        </nav>
        <span className="who">
          {who.name} · {who.key.role}
        </span>
      </header>
      <main>
        {screen === "executions" ? (
          <Executions />
        ) : (
          <Templates role={who.key.role} onLaunched={() => setScreen("executions")} />
        )}
      </main>
    </div>
  );
}
