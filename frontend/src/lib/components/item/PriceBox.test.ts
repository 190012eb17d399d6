import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { Auction } from '$lib/api/client';
import PriceBox from './PriceBox.svelte';
import { aRound } from './fixtures';

const show = (overrides: Partial<Auction>, shownStatus: string = overrides.status ?? 'bidding', online: boolean | null = true) =>
  render(PriceBox, { props: { auction: aRound(overrides), shownStatus, online } });

describe('the price box', () => {
  it('shows the starting price until the first bid, then the highest bid and its code', () => {
    const { unmount } = show({});
    expect(screen.getByTestId('current-price').textContent).toBe('¥2,940,000.00');
    expect(screen.getByText('起拍价', { selector: '.label' })).toBeTruthy();
    expect(screen.getByTestId('minimum-next-bid').textContent).toBe('¥2,950,000.00');
    unmount();
    show({ current_price: '2960000.00', leader_code: 'Q7K9', bid_count: 2 });
    expect(screen.getByTestId('current-price').textContent).toBe('¥2,960,000.00');
    expect(screen.getByText(/Q7K9/).textContent).toContain('领先');
  });

  it('after a sale shows the final price and the buyer code, and no next bid', () => {
    show({ status: 'sold', current_price: '3000000.00', leader_code: 'Q7K9' });
    expect(screen.getByText('成交价', { selector: '.label' })).toBeTruthy();
    expect(screen.queryByTestId('minimum-next-bid')).toBeNull();
    expect(screen.getByTestId('round-status').textContent).toBe('已成交');
  });

  it('says a defaulted sale for what it is, though the round stays sold', () => {
    show({ status: 'sold', current_price: '3000000.00', leader_code: 'Q7K9' }, 'defaulted');
    expect(screen.getByTestId('round-status').textContent).toBe('已悔拍');
    expect(screen.queryByText(/Q7K9/)).toBeNull();
  });

  it('shows a sell-off’s prepayment and its hint before the first bid', () => {
    show({ round_kind: 'sell_off', status: 'bidding', prepayment: '2352000.00', sell_off_ends_at: '2027-02-01T02:00:00Z' });
    expect(screen.getByText('变卖预缴款')).toBeTruthy();
    expect(screen.getByTestId('sell-off-hint')).toBeTruthy();
  });

  it('warns when the live connection is lost, and greys the price', () => {
    const { container } = show({}, 'bidding', false);
    expect(screen.getByRole('alert').textContent).toBeTruthy();
    expect(container.querySelector('.price-box.stale')).not.toBeNull();
  });
});
