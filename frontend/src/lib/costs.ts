// The buyer's costs at a price, for the estimate that follows the live price between the server's answers.
// The server computes the same figure (`buyer_cost_estimate`); both round a percent half up to the fen.
import { toFen } from './money';

export interface Cost {
  name: string;
  borne_by: string;
  kind: string;
  amount?: string | null;
  percent?: string | null;
}

export interface Estimate {
  items: { name: string; fen: bigint }[];
  total: bigint;
}

const PERCENT = /^(\d{1,3})(?:\.(\d{1,2}))?$/;

/** `"5.6"` as basis points (560); null if it is no percent. */
export function basisPoints(percent: string | null | undefined): bigint | null {
  const m = PERCENT.exec(percent ?? '');
  if (!m) return null;
  return BigInt(m[1]) * 100n + BigInt((m[2] ?? '').padEnd(2, '0'));
}

/** The buyer's items at `price` (fen) and their total; the seller's items are not the buyer's to pay. */
export function buyerEstimate(costs: readonly Cost[], price: bigint): Estimate {
  const items = costs
    .filter((c) => c.borne_by === 'buyer')
    .map((c) => {
      if (c.kind === 'percent_of_price') {
        const bp = basisPoints(c.percent) ?? 0n;
        return { name: c.name, fen: (price * bp + 5_000n) / 10_000n };
      }
      return { name: c.name, fen: toFen(c.amount ?? null) ?? 0n };
    });
  return { items, total: items.reduce((sum, item) => sum + item.fen, 0n) };
}
