import type { Schemas } from '$lib/api/client';

export type RoundStatus = Schemas['RoundStatus'];

/** A round whose bidding is over for good — sold, failed, withdrawn or revoked — as the server's
 *  `RoundStatus::is_closed` has it; one place, so a new closing status is added once. */
export const CLOSED_STATUSES: readonly RoundStatus[] = ['sold', 'failed', 'withdrawn', 'revoked'];

export function isClosed(status: string | null | undefined): boolean {
  return !!status && (CLOSED_STATUSES as readonly string[]).includes(status);
}

/** The status a round shows the public: a sale whose buyer defaulted (悔拍) is no longer a sale to
 *  celebrate, so it reads `defaulted` (its status stays `sold`, as the contract has it). */
export function publicStatus(round: {
  status: RoundStatus;
  deal_status?: Schemas['DealStatus'] | null;
}): RoundStatus | 'defaulted' {
  return round.status === 'sold' && round.deal_status === 'defaulted' ? 'defaulted' : round.status;
}

/** The price a round shows, and which it is: the final price once sold, else the highest bid, else the
 *  starting price (a message key of `item.*`). */
export function shownPrice(round: { status: string; current_price?: string | null; starting_price: string }): {
  amount: string;
  label: 'item.finalPrice' | 'item.current' | 'item.starting';
} {
  const label = round.status === 'sold' ? 'item.finalPrice' : round.current_price ? 'item.current' : 'item.starting';
  return { amount: round.current_price ?? round.starting_price, label };
}
