// Credits as a person reads them. The ledger counts micro-credits (1 credit = 1,000,000);
// execution totals and estimates are in credits.
export const MICRO = 1_000_000;

export function credits(n: number): string {
  const abs = Math.abs(n);
  const digits = abs === 0 || abs >= 100 ? 2 : abs >= 1 ? 3 : 6;
  const text = n.toLocaleString("en-US", { minimumFractionDigits: 0, maximumFractionDigits: digits });
  return `${text} cr`;
}

export function microCredits(m: number): string {
  return credits(m / MICRO);
}
