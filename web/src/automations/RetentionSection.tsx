// The Automations screen's retention (docs/retention.md): the saved policy in one sentence, the
// last sweep and what sweeps deleted so far; the policy form with its preview (RetentionForm);
// and "Sweep now", which says what the saved policy would delete and asks first, then reports
// what it did. Saving and sweeping need an admin key: other keys see them disabled, with why.
import { useCallback, useEffect, useState } from "react";
import { api, describeError, type Schemas } from "../api/client";
import { when } from "../format";
import { RetentionForm } from "./RetentionForm";
import {
  adminReason,
  describePolicy,
  describeRun,
  describeSweep,
  describeTotals,
  sweepQuestion,
  type RetentionPolicy,
  type RetentionPreview,
  type RetentionRun,
} from "./retention";
import { Confirm } from "./rowParts";

type Role = Schemas["Role"];

export function RetentionSection({ role, names }: { role: Role; names: ReadonlyMap<string, string> }) {
  const [policy, setPolicy] = useState<RetentionPolicy | null>(null);
  const [error, setError] = useState("");
  const [saved, setSaved] = useState(false);
  // "Sweep now": measuring what the saved policy lets go, then asking.
  const [asking, setAsking] = useState<"measuring" | RetentionPreview | null>(null);
  const [sweeping, setSweeping] = useState(false);
  const [sweepError, setSweepError] = useState("");
  const [ran, setRan] = useState<RetentionRun | null>(null);
  const [sweeps, setSweeps] = useState(0);
  const reason = adminReason(role);

  const load = useCallback(async () => {
    const { data, error: err, response } = await api.GET("/api/v1/retention");
    if (data) setPolicy(data);
    setError(data ? "" : describeError(err, response));
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  async function ask() {
    setAsking("measuring");
    setSweepError("");
    setRan(null);
    setSaved(false);
    const { data, error: err, response } = await api.POST("/api/v1/retention/preview", { body: {} });
    setAsking(data ?? null);
    if (!data) setSweepError(describeError(err, response));
  }

  async function sweep() {
    setAsking(null);
    setSweeping(true);
    const { data, error: err, response } = await api.POST("/api/v1/retention/run");
    setSweeping(false);
    if (!data) {
      setSweepError(describeError(err, response));
      return;
    }
    setRan(data);
    setSweeps((n) => n + 1);
    void load();
  }

  const nothingToSweep = policy?.keeps_everything ? "The saved policy keeps everything: there is nothing to sweep" : undefined;
  const last = policy?.last_sweep ?? null;
  return (
    <section aria-labelledby="retention-title" className="automation-section">
      <div className="section-head">
        <h3 id="retention-title">Retention</h3>
        <button
          disabled={!policy || reason !== undefined || nothingToSweep !== undefined || asking !== null || sweeping}
          title={reason ?? nothingToSweep}
          onClick={() => void ask()}
        >
          Sweep now
        </button>
        {asking === "measuring" && <span className="muted">Measuring…</span>}
        {sweeping && <span className="muted">Sweeping…</span>}
      </div>
      <p className="muted">
        Deletes finished runs (completed, failed or stopped) with their steps, events and files once they are old enough or no longer among the newest of
        their template. Runs still going, waiting or paused stay. The server applies the saved policy by itself every few minutes (5 by default).
      </p>
      {reason && <p className="muted">Your key has the {role} role: you see the policy and can preview one; saving it and sweeping now need admin.</p>}
      {error && <p role="alert">{error}</p>}
      {asking !== null && asking !== "measuring" && (
        <Confirm
          what="Confirm sweeping now"
          question={sweepQuestion(asking)}
          yes={asking.executions === 0 ? "Sweep anyway" : "Yes, delete them"}
          no="Not now"
          onYes={() => void sweep()}
          onNo={() => setAsking(null)}
        />
      )}
      {sweepError && <p role="alert">{sweepError}</p>}
      {ran && (
        <div className="created-box" role="region" aria-label="What the sweep did">
          <strong data-testid="sweep-report">{describeRun(ran)}</strong>
          {ran.deleted > 0 && <span className="muted">The deleted runs are gone from Runs, Gallery and their links.</span>}
          <div>
            <button onClick={() => setRan(null)}>Done</button>
          </div>
        </div>
      )}
      {saved && policy && (
        <p role="status" className="created-box">
          Saved: {describePolicy(policy).toLowerCase()}. The server applies it within a few minutes; Sweep now applies it at once.
        </p>
      )}
      {policy === null && !error && <p className="muted">Loading…</p>}
      {policy && (
        <>
          <div className="figures retention-summary">
            <div className="figure">
              <span className="muted">Policy</span>
              <strong data-testid="retention-policy">{describePolicy(policy)}</strong>
              {policy.updated_at && <span className="muted">saved {when(policy.updated_at)}</span>}
            </div>
            <div className="figure">
              <span className="muted">Last sweep</span>
              {last ? (
                <>
                  <strong>
                    <time dateTime={last.at}>{when(last.at)}</time>
                  </strong>
                  <span data-testid="last-sweep">{describeSweep(last)}</span>
                </>
              ) : (
                <strong data-testid="last-sweep">None has deleted anything yet</strong>
              )}
            </div>
            <div className="figure">
              <span className="muted">Deleted so far</span>
              <strong data-testid="retention-totals">{describeTotals(policy.totals)}</strong>
              {policy.totals.executions > 0 && <span className="muted">sub-runs included</span>}
            </div>
          </div>
          <RetentionForm
            policy={policy}
            role={role}
            names={names}
            sweeps={sweeps}
            onSaved={(p) => {
              setPolicy(p);
              setSaved(true);
              setRan(null);
            }}
          />
        </>
      )}
    </section>
  );
}
