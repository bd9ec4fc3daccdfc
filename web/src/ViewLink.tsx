// A link to another view of the UI: a real href (open in a new tab, copy the address) that moves
// within the page on a plain click.
import type { ReactNode } from "react";
import { navigate, pathOf, type View } from "./nav";

export function ViewLink({ to, className, children }: { to: View; className?: string; children: ReactNode }) {
  return (
    <a
      className={className}
      href={pathOf(to)}
      onClick={(e) => {
        e.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}
