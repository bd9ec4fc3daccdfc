// What the Automations lists' rows share: a link to a run, the active/paused badge, and the
// confirmation an irreversible action asks for first.
import { ViewLink } from "../ViewLink";

// An execution's id, linked to its view (as Runs links it).
export function RunLink({ id }: { id: string }) {
  return (
    <ViewLink className="mono" to={{ kind: "execution", id }}>
      {id}
    </ViewLink>
  );
}

export function State({ paused }: { paused: boolean }) {
  return <span className={`status ${paused ? "status-paused" : "status-active"}`}>{paused ? "paused" : "active"}</span>;
}

// Delete (or another irreversible action) after a confirmation in the row.
export function Confirm({ what, question, yes, onYes, onNo }: { what: string; question: string; yes: string; onYes: () => void; onNo: () => void }) {
  return (
    <span className="decide-row" role="group" aria-label={what}>
      <span>{question}</span>
      <button onClick={onYes}>{yes}</button>
      <button onClick={onNo}>Keep it</button>
    </span>
  );
}
