import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import type { Bid } from '$lib/api/client';
import DetailTabs from './DetailTabs.svelte';
import { aListing, aRound } from './fixtures';

const bid = (seq: number): Bid => ({
  seq,
  bidder_code: `C${seq}`,
  amount: `${2940000 + seq * 10000}.00`,
  placed_at: '2026-12-01T03:00:00Z',
  priority: false,
  priority_match: false,
  status: seq === 2 ? 'leading' : 'outbid',
});

describe('the item page’s tabs', () => {
  const details = aRound({ announcement: '公告正文', bidding_instructions: '须知正文', special_reminders: ['提示一', '提示二'] });
  const listing = aListing({
    encumbrances: '',
    files: [
      { id: 'f1', kind: 'document', file_name: '评估报告.pdf', content_type: 'application/pdf', size: 1, url: '/api/files/f1', variants: [] },
    ],
  });

  it('shows the court’s texts and the property, each in its panel', async () => {
    render(DetailTabs, { props: { details, listing, bids: [], bidCount: 0, selected: 'announcement', onmore: vi.fn() } });
    expect(screen.getByText('公告正文')).toBeTruthy();
    await fireEvent.click(screen.getByRole('tab', { name: '特别提示' }));
    expect(screen.getAllByRole('listitem').map((li) => li.textContent)).toEqual(['提示一', '提示二']);
    await fireEvent.click(screen.getByRole('tab', { name: '标的物介绍' }));
    expect(screen.getByText('三室两厅，建筑面积 120 平方米。')).toBeTruthy();
    expect(screen.getByText('无')).toBeTruthy();
    expect(screen.getByRole('link', { name: '评估报告.pdf' }).getAttribute('href')).toBe('/api/files/f1');
  });

  it('offers older bids only while fewer are loaded than there are', async () => {
    const onmore = vi.fn();
    const { rerender } = render(DetailTabs, {
      props: { details, listing, bids: [bid(2), bid(1)], bidCount: 3, selected: 'record', onmore },
    });
    await fireEvent.click(screen.getByRole('button', { name: '加载更早的出价' }));
    expect(onmore).toHaveBeenCalledOnce();
    await rerender({ details, listing, bids: [bid(3), bid(2), bid(1)], bidCount: 3, selected: 'record', onmore });
    expect(screen.queryByRole('button', { name: '加载更早的出价' })).toBeNull();
  });

  it('calls a sell-off’s record 应买记录', () => {
    render(DetailTabs, {
      props: { details: aRound({ round_kind: 'sell_off' }), listing, bids: [], bidCount: 0, selected: 'record', onmore: vi.fn() },
    });
    expect(screen.getByRole('tab', { name: '应买记录' })).toBeTruthy();
  });
});
