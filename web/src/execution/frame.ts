// Runs `work` at most once per animation frame however often it is asked for, and never twice at
// once: a request made while `work` runs is served on the frame after it finishes. This is how
// the execution view refetches its steps on a burst of events.
export interface FrameScheduler {
  request(): void;
  cancel(): void;
}

export function frameScheduler(
  work: () => Promise<void>,
  raf: (cb: () => void) => number = (cb) => requestAnimationFrame(cb),
  caf: (h: number) => void = (h) => cancelAnimationFrame(h),
): FrameScheduler {
  let frame: number | null = null;
  let running = false;
  let wanted = false;
  let cancelled = false;

  const run = async () => {
    frame = null;
    if (cancelled) return; // a frame that fired although it was cancelled
    running = true;
    wanted = false;
    try {
      await work();
    } finally {
      running = false;
      if (wanted && !cancelled) schedule();
    }
  };
  const schedule = () => {
    if (frame === null) frame = raf(() => void run());
  };
  return {
    request() {
      if (cancelled) return;
      if (running) wanted = true;
      else schedule();
    },
    cancel() {
      cancelled = true;
      if (frame !== null) caf(frame);
      frame = null;
    },
  };
}
