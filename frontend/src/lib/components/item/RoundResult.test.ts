import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { ResultView } from '$lib/api/client';
import RoundResult from './RoundResult.svelte';

const sold: ResultView = { status: 'sold', winner_code: 'Q7K9', buyer_name: '张三', final_price: '3000000.00', deal_id: 'd1' };

describe('the result of a closed round', () => {
  it('names the buyer and the price, links the confirmation, and my deal only when I won', async () => {
    const { rerender } = render(RoundResult, { props: { status: 'sold', shownStatus: 'sold', result: sold } });
    expect(screen.getByText('竞得人：Q7K9（张三）')).toBeTruthy();
    expect(screen.getByText('¥3,000,000.00')).toBeTruthy();
    expect(screen.getByRole('link', { name: '成交确认书' }).getAttribute('href')).toBe('/deals/d1/confirmation');
    expect(screen.queryByRole('link', { name: '查看我的成交' })).toBeNull();
    await rerender({ status: 'sold', shownStatus: 'sold', result: sold, won: true });
    expect(screen.getByRole('link', { name: '查看我的成交' }).getAttribute('href')).toBe('/deals/d1');
  });

  it('after a default says so and leads to the re-auction', () => {
    render(RoundResult, { props: { status: 'sold', shownStatus: 'defaulted', result: sold, nextRoundId: 'r2' } });
    expect(screen.getByTestId('defaulted-result')).toBeTruthy();
    expect(screen.queryByText(/竞得人/)).toBeNull();
    expect(screen.getByRole('link', { name: '查看重新拍卖' }).getAttribute('href')).toBe('/auctions/r2');
  });

  it('says a round failed, with no links', () => {
    render(RoundResult, { props: { status: 'failed', shownStatus: 'failed', result: { status: 'failed' } } });
    expect(screen.getByText('本轮无人出价，已流拍。')).toBeTruthy();
    expect(screen.queryAllByRole('link')).toHaveLength(0);
  });
});
