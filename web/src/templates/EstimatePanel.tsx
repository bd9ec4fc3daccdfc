// What a launch would cost, before launching: each paid step, the total, and whether the
// workspace's balance covers it (POST /api/v1/executions/estimate).
import type { Schemas } from "../api/client";
import { credits, microCredits } from "../credits/money";

export type Estimate = Schemas["Estimate"];

export function EstimatePanel({ estimate, pending, error }: { estimate: Estimate | null; pending: boolean; error: string }) {
  if (error) {
    return (
      <section className="estimate" aria-label="Cost estimate">
        <h3>Cost estimate</h3>
        <p className="muted">{error}</p>
      </section>
    );
  }
  if (!estimate) {
    return (
      <section className="estimate" aria-label="Cost estimate">
        <h3>Cost estimate</h3>
        <p className="muted">{pending ? "Estimating…" : "Fill in the required inputs to see what this run would cost."}</p>
      </section>
    );
  }
  const c = estimate.credits;
  const short = c.charged && !c.covered;
  return (
    <section className={`estimate ${c.charged ? (c.covered ? "covered" : "short") : ""}`} aria-label="Cost estimate">
      <h3>
        Cost estimate: <span data-testid="estimate-total">{credits(estimate.total.cost)}</span>
        {pending && <span className="muted"> (updating…)</span>}
      </h3>
      {estimate.steps.length === 0 ? (
        <p className="muted">No step of this template calls a paid model.</p>
      ) : (
        <div className="table-scroll">
          <table aria-label="Cost per step">
            <thead>
              <tr>
                <th>Step</th>
                <th>Model</th>
                <th>Calls</th>
                <th>Tokens in / out</th>
                <th>Images</th>
                <th>Cost</th>
              </tr>
            </thead>
            <tbody>
              {estimate.steps.map((s) => (
                <tr key={s.id}>
                  <td>
                    {s.id} <span className="muted">{s.type}</span>
                    {s.note && <span className="muted"> · {s.note}</span>}
                  </td>
                  <td>{s.provider ? `${s.provider}/${s.model}` : s.model}</td>
                  <td>{s.calls}</td>
                  <td>
                    {s.input_tokens} / {s.output_tokens}
                  </td>
                  <td>{s.images}</td>
                  <td>{credits(s.cost)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p role={short ? "alert" : undefined} data-testid="estimate-credits">
        {!c.charged
          ? "This server does not charge credits for runs."
          : c.covered
            ? `Your balance of ${microCredits(c.balance)} covers it (${microCredits(c.needed)} needed at most).`
            : `Your balance of ${microCredits(c.balance)} does not cover it: ${microCredits(c.needed)} needed at most. The run will pause at the first step it cannot pay for, until credits are granted.`}
      </p>
      {estimate.assumptions.length > 0 && (
        <details>
          <summary>How this is estimated</summary>
          <ul>
            {estimate.assumptions.map((a, i) => (
              <li key={i}>{a}</li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
