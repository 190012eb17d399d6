/** A round whose bidding is over for good — sold, failed, withdrawn or revoked — as the server's
 *  `RoundStatus::is_closed` has it; one place, so a new closing status is added once. */
export const CLOSED_STATUSES: readonly string[] = ['sold', 'failed', 'withdrawn', 'revoked'];

export function isClosed(status: string | null | undefined): boolean {
  return !!status && CLOSED_STATUSES.includes(status);
}
