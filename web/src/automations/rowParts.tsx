// What the Automations lists' rows share: a link to a run, the active/paused badge, the
// confirmation an irreversible action asks for first, and the actions of a row with a secret.
import { useState } from "react";
import { describeError, type ApiError } from "../api/client";
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
export function Confirm({
  what,
  question,
  yes,
  no = "Keep it",
  onYes,
  onNo,
}: {
  what: string;
  question: string;
  yes: string;
  no?: string;
  onYes: () => void;
  onNo: () => void;
}) {
  return (
    <span className="decide-row" role="group" aria-label={what}>
      <span>{question}</span>
      <button onClick={onYes}>{yes}</button>
      <button onClick={onNo}>{no}</button>
    </span>
  );
}

// An API answer as the typed client gives it.
type Answer<T> = { data?: T; error?: ApiError; response: Response };

// Pause, resume, rotate and delete for a row that holds a secret (a webhook trigger, a
// notification endpoint): the calls are the row's own, the bookkeeping the same. `confirming`
// says which irreversible action waits for its confirmation.
export function useSecretRowActions<T>(
  calls: {
    setPaused: (paused: boolean) => Promise<Answer<T>>;
    rotate: () => Promise<Answer<T>>;
    remove: () => Promise<{ error?: ApiError; response: Response }>;
  },
  on: { changed: (row: T) => void; rotated: (row: T) => void; deleted: () => void },
) {
  const [confirming, setConfirming] = useState<"" | "delete" | "rotate">("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");

  async function act(what: "pause" | "resume" | "rotate" | "delete") {
    setBusy(true);
    setError("");
    if (what === "delete") {
      const { error: err, response } = await calls.remove();
      setBusy(false);
      if (response.ok) on.deleted();
      else setError(describeError(err, response));
      return;
    }
    const r = what === "rotate" ? await calls.rotate() : await calls.setPaused(what === "pause");
    setBusy(false);
    setConfirming("");
    if (!r.data) {
      setError(describeError(r.error, r.response));
      return;
    }
    on.changed(r.data);
    if (what === "rotate") on.rotated(r.data);
  }

  return { confirming, setConfirming, busy, error, act };
}
