// A button that copies a text (a secret, a URL, a command) and says whether it could.
import { useState } from "react";

export function CopyButton({ text, label, name }: { text: string; label: string; name?: string }) {
  const [said, setSaid] = useState("");
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setSaid("Copied.");
    } catch {
      setSaid("The browser did not allow copying: select the text and copy it by hand.");
    }
  }
  return (
    <>
      <button type="button" aria-label={name} onClick={() => void copy()}>
        {label}
      </button>
      {said && (
        <span role="status" className="muted">
          {said}
        </span>
      )}
    </>
  );
}
