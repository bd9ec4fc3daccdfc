// Credits: the balance, the ledger (newest first, 100 entries at a time) and what each
// execution spent, grouped from the ledger's entries, with links to the executions. Admins grant
// credits here. The balance follows the workspace's event stream (a step that finishes settles
// its cost).
import "./screens.css";
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { api, describeError, type Schemas, type StreamEvent } from "../api/client";
import { spendByExecution, type LedgerEntry } from "../credits/ledger";
import { MICRO, microCredits } from "../credits/money";
import { when } from "../format";
import { useEventStream } from "../live";
import { ViewLink } from "../ViewLink";

const PAGE = 100;
const READ = 1000;
const SETTLING = new Set(["step_succeeded", "step_failed", "step_cancelled", "execution_stopped", "execution_completed", "execution_failed"]);

export function Credits({ role }: { role: Schemas["Role"] }) {
  const [balance, setBalance] = useState<Schemas["Balance"] | null>(null);
  const [entries, setEntries] = useState<LedgerEntry[]>([]);
  const [shown, setShown] = useState(PAGE);
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

  // The API pages the ledger oldest first; what each run spent needs every entry, and a person
  // reads the newest first, so the screen reads it to the end (1,000 entries a request) and
  // pages through it here.
  const readLedger = useCallback(async () => {
    setLoading(true);
    const all: LedgerEntry[] = [];
    let cursor: string | null = null;
    do {
      const query: { limit: number; cursor?: string } = cursor ? { limit: READ, cursor } : { limit: READ };
      const { data, error: err, response } = await api.GET("/api/v1/credits/ledger", { params: { query } });
      if (!data) {
        setError(describeError(err, response));
        break;
      }
      all.push(...data.items);
      cursor = data.next_cursor;
    } while (cursor);
    setLoading(false);
    setEntries(all);
  }, []);

  useEffect(() => {
    void readBalance();
    void readLedger();
  }, [readBalance, readLedger]);

  useEventStream("/api/v1/events/stream", (e: StreamEvent) => {
    if (SETTLING.has(e.type)) void readBalance();
  });

  const spend = useMemo(() => spendByExecution(entries), [entries]);
  const newest = useMemo(() => [...entries].reverse(), [entries]);
  const page = newest.slice(0, shown);

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
      {spend.length === 0 ? (
        <p className="muted">{loading ? "Reading the ledger…" : "No run has been charged yet."}</p>
      ) : (
        <div className="table-scroll">
          <table aria-labelledby="spend-title">
            <thead>
              <tr>
                <th>Run</th>
                <th>Spent</th>
                <th>Still held</th>
                <th>Entries</th>
                <th>Last entry</th>
              </tr>
            </thead>
            <tbody>
              {spend.map((s) => (
                <tr key={s.executionId} data-execution={s.executionId}>
                  <td>
                    <ViewLink className="mono" to={{ kind: "execution", id: s.executionId }}>
                      {s.executionId}
                    </ViewLink>
                  </td>
                  <td>{microCredits(s.spent)}</td>
                  <td>{s.held ? microCredits(s.held) : ""}</td>
                  <td>{s.entries}</td>
                  <td>{when(s.last)}</td>
                </tr>
              ))}
            </tbody>
          </table>
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
            {page.map((e) => (
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
        <span className="muted">
          {page.length} of {entries.length} entries shown, newest first
        </span>
        {entries.length > shown && <button onClick={() => setShown(shown + PAGE)}>Show more</button>}
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
