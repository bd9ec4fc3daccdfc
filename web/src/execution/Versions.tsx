// A step's version history side by side: each kept version as a column (how it was made, its
// images next to each other, its text as a diff against the version before it), the current one
// marked. A non-current version can be made current again (revert).
import { diffWords } from "diff";
import { useEffect, useState } from "react";
import { api, describeError, type Schemas } from "../api/client";
import { when } from "../format";
import { Images } from "./StepOutput";
import { outputImages, outputText } from "./output";

// The step's kept versions, fetched again whenever `stamp` (its version and status) changes.
export function useVersions(executionId: string, stepId: string, stamp: string) {
  const [list, setList] = useState<Schemas["StepVersionList"] | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    let live = true;
    void api
      .GET("/api/v1/executions/{id}/steps/{step}/versions", { params: { path: { id: executionId, step: stepId } } })
      .then(({ data, error: err, response }) => {
        if (!live) return;
        if (data) setList(data);
        else setError(describeError(err, response));
      });
    return () => {
      live = false;
    };
  }, [executionId, stepId, stamp]);
  return { list, error };
}

interface Props {
  list: Schemas["StepVersionList"] | null;
  error: string;
  canRevert: string | undefined; // why reverting is not possible, or undefined
  onRevert: (version: number) => void;
}

export function Versions({ list, error, canRevert, onRevert }: Props) {
  if (error) return <p role="alert">{error}</p>;
  if (!list) return <p className="muted">Loading the versions…</p>;
  if (list.items.length === 0) return <p className="muted">This step keeps no versions.</p>;
  return (
    <div className="versions" role="list" aria-label="Version history">
      {list.items.map((v, i) => {
        const prev = list.items[i - 1];
        const current = v.version === list.current;
        const source = typeof v.meta["source"] === "string" ? v.meta["source"] : "run";
        const instruction = typeof v.meta["instruction"] === "string" ? v.meta["instruction"] : "";
        const revertedTo = typeof v.meta["reverted_to"] === "number" ? v.meta["reverted_to"] : null;
        const text = outputText(v.output);
        const prevText = prev ? outputText(prev.output) : null;
        const images = outputImages(v.output);
        return (
          <article key={v.version} role="listitem" className={`version${current ? " version-current" : ""}`} aria-label={`Version ${v.version}`}>
            <div className="version-head">
              <strong>v{v.version}</strong> {current && <span className="badge">current</span>} <small>{source}{revertedTo !== null ? `: reverted to v${revertedTo}` : ""}</small>
              <div>
                <small>{when(v.created_at)}</small>
              </div>
              {instruction && <div className="instruction">“{instruction}”</div>}
            </div>
            {images.length > 0 && <Images images={images} />}
            {text !== null && <TextDiff text={text} before={prevText} />}
            {text === null && images.length === 0 && <pre className="json">{JSON.stringify(v.output, null, 2)}</pre>}
            {!current && (
              <button disabled={canRevert !== undefined} title={canRevert} onClick={() => onRevert(v.version)}>
                Revert to v{v.version}
              </button>
            )}
          </article>
        );
      })}
    </div>
  );
}

// `text` with what changed since `before` marked (the first version shows as it is).
export function TextDiff({ text, before }: { text: string; before: string | null }) {
  if (before === null || before === text)
    return <pre className="text-version">{text}</pre>;
  const parts = diffWords(before, text);
  return (
    <pre className="text-version text-diff" aria-label="Changes since the version before">
      {parts.map((p, i) =>
        p.added ? (
          <ins key={i}>{p.value}</ins>
        ) : p.removed ? (
          <del key={i}>{p.value}</del>
        ) : (
          <span key={i}>{p.value}</span>
        ),
      )}
    </pre>
  );
}
