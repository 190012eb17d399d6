import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import RoundsHistory from './RoundsHistory.svelte';
import { aRound } from './fixtures';

describe('the listing’s rounds', () => {
  it('marks this round and links the others, a defaulted sale read as such', () => {
    const rounds = [
      aRound({ id: 'r1', round: 1, status: 'sold', deal_status: 'defaulted' }),
      aRound({ id: 'r2', round: 2, round_kind: 're_auction', status: 'bidding' }),
    ];
    render(RoundsHistory, { props: { rounds, current: 'r2' } });
    const link = screen.getByRole('link');
    expect(link.getAttribute('href')).toBe('/auctions/r1');
    expect(link.textContent).toContain('已悔拍');
    expect(document.querySelector('[aria-current="page"]')?.textContent).toContain('本轮');
  });
});
