// A step's current output: its text rendered as Markdown, its images large (a click opens them
// full size in a lightbox), and everything else as pretty JSON.
import { useEffect, useRef, useState } from "react";
import Markdown from "react-markdown";
import { contentUrl, outputImages, outputText, type OutputImage } from "./output";

export function StepOutput({ output }: { output: unknown }) {
  if (output === null || output === undefined) return <p className="muted">No output yet.</p>;
  const text = outputText(output);
  const images = outputImages(output);
  return (
    <div className="step-output">
      {text !== null && (
        <div className="markdown" data-testid="output-markdown">
          <Markdown>{text}</Markdown>
        </div>
      )}
      {images.length > 0 && <Images images={images} />}
      <details open={text === null && images.length === 0}>
        <summary>Output as JSON</summary>
        <pre className="json">{JSON.stringify(output, null, 2)}</pre>
      </details>
    </div>
  );
}

export function Images({ images }: { images: OutputImage[] }) {
  const [open, setOpen] = useState<OutputImage | null>(null);
  return (
    <div className="images">
      {images.map((img) => (
        <button key={img.artifactId} className="image-button" onClick={() => setOpen(img)} aria-label={`Open ${img.name} full size`}>
          <img src={contentUrl(img.artifactId)} alt={img.name} width={img.width} height={img.height} />
        </button>
      ))}
      {open && <Lightbox image={open} onClose={() => setOpen(null)} />}
    </div>
  );
}

export function Lightbox({ image, onClose }: { image: OutputImage; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal?.();
  }, []);
  return (
    <dialog ref={ref} className="lightbox" aria-label={image.name} onClose={onClose} onClick={(e) => e.target === ref.current && onClose()}>
      <img src={contentUrl(image.artifactId)} alt={image.name} />
      <p>
        {image.name}
        {image.width && image.height ? ` · ${image.width}×${image.height}` : ""}{" "}
        <a href={contentUrl(image.artifactId)} download={image.name}>
          Download
        </a>{" "}
        <button onClick={onClose} autoFocus>
          Close
        </button>
      </p>
    </dialog>
  );
}
