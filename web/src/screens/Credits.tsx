// Credits: the balance, the ledger (newest first, read from the server 100 entries at a time)
// and what the recent runs cost (the runs list's own figures), with links to the executions.
// Admins grant credits here. The balance follows the workspace's event stream (a step that
// finishes settles its cost).
import "./screens.css";
import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { api, describeError, type Schemas, type StreamEvent } from "../api/client";
import { credits, MICRO, microCredits } from "../credits/money";
import { when } from "../format";
import { useEventStream } from "../live";
import { navigate } from "../nav";

type LedgerEntry = Schemas["LedgerEntry"];

const PAGE = 100;
const RUNS = 50;
const SETTLING = new Set(["step_succeeded", "step_failed", "step_cancelled", "execution_stopped", "execution_completed", "execution_failed"]);

export function Credits({ role }: { role: Schemas["Role"] }) {
  const [balance, setBalance] = useState<Schemas["Balance"] | null>(null);
  const [entries, setEntries] = useState<LedgerEntry[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [runs, setRuns] = useState<Schemas["ExecutionRow"][]>([]);
  const [error, setError] = useState("");
  const [loading, setLoading] = useState(true);
  const reading = useRef(false);
  const again = useRef(false);

  // One balance read at a time; events meanwhile ask for one more.
  const readBalance = useCallback(async () => {
    if (reading.current) {
      again.current = true;
      return;
    }
    reading.current = true;
    do {
      again.current = false;
      const { data, error: err, response } = await api.GET("/api/v1/credits");
      if (data) setBalance(data);
      else setError(describeError(err, response));
    } while (again.current);
    reading.current = false;
  }, []);

  // The newest page of the ledger, or (with a cursor) the page before the entries shown.
  const readLedger = useCallback(async (cursor: string | null = null) => {
    setLoading(true);
    const query: { limit: number; order: "newest"; cursor?: string } = cursor
      ? { limit: PAGE, order: "newest", cursor }
      : { limit: PAGE, order: "newest" };
    const { data, error: err, response } = await api.GET("/api/v1/credits/ledger", { params: { query } });
    setLoading(false);
    if (!data) {
      setError(describeError(err, response));
      return;
    }
    setEntries((shown) => (cursor ? [...shown, ...data.items] : data.items));
    setNext(data.next_cursor);
  }, []);

  // What the recent runs cost: each row of the runs list carries its cost so far.
  const readRuns = useCallback(async () => {
    const { data, error: err, response } = await api.GET("/api/v1/executions", { params: { query: { limit: RUNS } } });
    if (data) setRuns(data.items.filter((r) => r.cost > 0));
    else setError(describeError(err, response));
  }, []);

  useEffect(() => {
    void readBalance();
    void readLedger();
    void readRuns();
  }, [readBalance, readLedger, readRuns]);

  useEventStream("/api/v1/events/stream", (e: StreamEvent) => {
    if (SETTLING.has(e.type)) void readBalance();
    if (e.type === "execution_completed" || e.type === "execution_failed" || e.type === "execution_stopped") void readRuns();
  });

  return (
    <section aria-labelledby="credits-title">
      <h2 id="credits-title">Credits</h2>
      {error && <p role="alert">{error}</p>}
      {balance && (
        <div className="figures" aria-label="Balance">
          <div className="figure">
            Balance <strong data-testid="balance">{microCredits(balance.balance)}</strong>
          </div>
          <div className="figure">
            Held by running steps <strong>{microCredits(balance.reserved)}</strong>
          </div>
          <div className="figure">
            Granted <strong>{microCredits(balance.granted)}</strong>
          </div>
          <div className="figure">
            Spent <strong>{microCredits(balance.spent)}</strong>
          </div>
        </div>
      )}
      {role === "admin" && (
        <GrantForm
          onGranted={() => {
            void readBalance();
            void readLedger();
          }}
        />
      )}
      <h3 id="spend-title">What each run spent</h3>
      {runs.length === 0 ? (
        <p className="muted">No recent run has cost anything yet.</p>
      ) : (
        <div className="table-scroll">
          <table aria-labelledby="spend-title">
            <thead>
              <tr>
                <th>Run</th>
                <th>Template</th>
                <th>Status</th>
                <th>Cost so far</th>
                <th>Started</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => (
                <tr key={r.id} data-execution={r.id}>
                  <td>
                    <a
                      className="mono"
                      href={`/executions/${r.id}`}
                      onClick={(e) => {
                        e.preventDefault();
                        navigate({ kind: "execution", id: r.id });
                      }}
                    >
                      {r.id}
                    </a>
                  </td>
                  <td>{r.template_name}</td>
                  <td>{r.status}</td>
                  <td>{credits(r.cost)}</td>
                  <td>{when(r.started_at ?? r.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted">The {RUNS} newest runs with a cost; Runs lists them all.</p>
        </div>
      )}
      <h3 id="ledger-title">Ledger</h3>
      <div className="table-scroll">
        <table aria-labelledby="ledger-title">
          <thead>
            <tr>
              <th>When</th>
              <th>Kind</th>
              <th>Amount</th>
              <th>Run</th>
              <th>Step</th>
              <th>Note</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id} data-ledger-kind={e.kind}>
                <td>{when(e.created_at)}</td>
                <td>{e.kind}</td>
                <td>{microCredits(e.amount)}</td>
                <td className="mono">{e.execution_id}</td>
                <td>{e.step}</td>
                <td>{e.note}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {!loading && entries.length === 0 && <p className="muted">The ledger is empty.</p>}
      </div>
      <div className="pager">
        <span className="muted">{entries.length} entries shown, newest first</span>
        {next && (
          <button disabled={loading} onClick={() => void readLedger(next)}>
            Show older entries
          </button>
        )}
      </div>
    </section>
  );
}

function GrantForm({ onGranted }: { onGranted: () => void }) {
  const [amount, setAmount] = useState("");
  const [note, setNote] = useState("");
  const [error, setError] = useState("");
  const [done, setDone] = useState("");
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const n = Number(amount);
    if (!Number.isFinite(n) || n <= 0) {
      setError("The amount must be a number of credits above 0.");
      return;
    }
    setBusy(true);
    setError("");
    const { data, error: err, response } = await api.POST("/api/v1/credits/grants", {
      body: { amount: Math.round(n * MICRO), ...(note.trim() ? { note: note.trim() } : {}) },
    });
    setBusy(false);
    if (!data) {
      setError(describeError(err, response));
      return;
    }
    setDone(`Granted ${microCredits(data.entry.amount)}${data.resumed ? `; ${data.resumed} paused runs carry on` : ""}.`);
    setAmount("");
    setNote("");
    onGranted();
  }

  return (
    <form className="inline-form" onSubmit={submit} aria-label="Grant credits">
      <label>
        Credits to grant
        <input inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} aria-invalid={error ? true : undefined} />
      </label>
      <label>
        Note
        <input value={note} onChange={(e) => setNote(e.target.value)} />
      </label>
      <button type="submit" disabled={busy || !amount.trim()}>
        Grant
      </button>
      {error && <p role="alert">{error}</p>}
      {done && <p role="status">{done}</p>}
    </form>
  );
}
