// Takes an API key once and exchanges it for a session cookie; the key is not kept.
import { useState, type FormEvent } from "react";
import { api, describeError, type Schemas } from "../api/client";

export function SignIn({ onSignedIn }: { onSignedIn: (w: Schemas["Workspace"]) => void }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError("");
    const signin = await api.POST("/api/v1/session", {
      body: { key: key.trim() },
      params: { header: { "X-Atelier-CSRF": "1" } },
    });
    setKey("");
    if (!signin.data) {
      setBusy(false);
      setError(describeError(signin.error, signin.response));
      return;
    }
    const { data, error: err, response } = await api.GET("/api/v1/workspace");
    setBusy(false);
    if (data) onSignedIn(data);
    else setError(describeError(err, response));
  }

  return (
    <form className="signin" onSubmit={submit}>
      <h1>Sign in to Atelier</h1>
      <label htmlFor="key">API key</label>
      <input
        id="key"
        type="password"
        autoComplete="off"
        value={key}
        onChange={(e) => setKey(e.target.value)}
        required
      />
      {error && <p role="alert">{error}</p>}
      <button type="submit" disabled={busy || !key.trim()}>
        Sign in
      </button>
    </form>
  );
}
