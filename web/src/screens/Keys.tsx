// Keys (admins): the workspace's API keys, a form that makes one (its secret is shown once, with a
// copy button and a warning) and revoking with a confirmation. Other roles see why they cannot.
import "./screens.css";
import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { api, describeError, type Schemas } from "../api/client";
import { when } from "../format";

type Role = Schemas["Role"];
const ROLES: Role[] = ["viewer", "editor", "admin"];

export function Keys({ role, selfId }: { role: Role; selfId: string }) {
  const [keys, setKeys] = useState<Schemas["ApiKey"][]>([]);
  const [error, setError] = useState("");
  const [made, setMade] = useState<Schemas["NewApiKey"] | null>(null);
  const admin = role === "admin";

  const load = useCallback(async () => {
    const { data, error: err, response } = await api.GET("/api/v1/keys");
    if (data) setKeys(data.items);
    else setError(describeError(err, response));
  }, []);

  useEffect(() => {
    if (admin) void load();
  }, [admin, load]);

  if (!admin) {
    return (
      <section aria-labelledby="keys-title">
        <h2 id="keys-title">Keys</h2>
        <p role="alert">Managing API keys needs the admin role; your key has {role}.</p>
      </section>
    );
  }
  return (
    <section aria-labelledby="keys-title">
      <h2 id="keys-title">Keys</h2>
      <CreateKey
        onMade={(k) => {
          setMade(k);
          void load();
        }}
      />
      {made && <SecretOnce made={made} onDone={() => setMade(null)} />}
      {error && <p role="alert">{error}</p>}
      <div className="table-scroll">
        <table aria-label="API keys">
          <thead>
            <tr>
              <th>Name</th>
              <th>Role</th>
              <th>Starts with</th>
              <th>Created</th>
              <th>State</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <KeyRow key={k.id} apiKey={k} self={k.id === selfId} onRevoked={() => void load()} />
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function CreateKey({ onMade }: { onMade: (k: Schemas["NewApiKey"]) => void }) {
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("editor");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError("");
    const { data, error: err, response } = await api.POST("/api/v1/keys", {
      body: { role, ...(name.trim() ? { name: name.trim() } : {}) },
    });
    setBusy(false);
    if (!data) {
      setError(describeError(err, response));
      return;
    }
    setName("");
    onMade(data);
  }

  return (
    <form className="inline-form" onSubmit={submit} aria-label="Create a key">
      <label>
        Key name
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder="who or what uses it" />
      </label>
      <label>
        Role
        <select value={role} onChange={(e) => setRole(ROLES.find((r) => r === e.target.value) ?? "viewer")}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="primary" disabled={busy}>
        Create key
      </button>
      {error && <p role="alert">{error}</p>}
    </form>
  );
}

function SecretOnce({ made, onDone }: { made: Schemas["NewApiKey"]; onDone: () => void }) {
  const [copied, setCopied] = useState("");
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => box.current?.focus(), []);

  async function copy() {
    try {
      await navigator.clipboard.writeText(made.secret);
      setCopied("Copied.");
    } catch {
      setCopied("The browser did not allow copying: select the secret and copy it by hand.");
    }
  }

  return (
    <div className="secret-once" role="region" aria-label="New key's secret" tabIndex={-1} ref={box}>
      <strong>
        The secret of “{made.name || made.id}” ({made.role}). It is shown only this once: copy it now and keep it somewhere
        safe. It cannot be shown again; if it is lost, revoke the key and make another.
      </strong>
      <code data-testid="new-secret">{made.secret}</code>
      <div className="decide-row">
        <button onClick={() => void copy()}>Copy the secret</button>
        <button onClick={onDone}>I have saved it</button>
        {copied && <span role="status">{copied}</span>}
      </div>
    </div>
  );
}

function KeyRow({ apiKey: k, self, onRevoked }: { apiKey: Schemas["ApiKey"]; self: boolean; onRevoked: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState("");
  const label = k.name || k.id;

  async function revoke() {
    const { error: err, response } = await api.DELETE("/api/v1/keys/{id}", { params: { path: { id: k.id } } });
    if (response.ok) {
      setConfirming(false);
      onRevoked();
    } else setError(describeError(err, response));
  }

  return (
    <tr data-key={k.id}>
      <td>
        {label}
        {self && <span className="badge">this session's key</span>}
      </td>
      <td>{k.role}</td>
      <td className="mono">{k.prefix}…</td>
      <td>{when(k.created_at)}</td>
      <td>{k.revoked_at ? `revoked ${when(k.revoked_at)}` : "active"}</td>
      <td>
        {!k.revoked_at && !confirming && <button onClick={() => setConfirming(true)}>Revoke {label}</button>}
        {confirming && (
          <span className="decide-row" role="group" aria-label={`Confirm revoking ${label}`}>
            <span>
              Revoke “{label}”? Everything using it stops working at once
              {self ? ", this page included: you will be signed out" : ""}.
            </span>
            <button onClick={() => void revoke()}>Yes, revoke</button>
            <button onClick={() => setConfirming(false)}>Keep it</button>
          </span>
        )}
        {error && <p role="alert">{error}</p>}
      </td>
    </tr>
  );
}
