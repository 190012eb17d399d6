import { render, screen } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import BidBar from './BidBar.svelte';
import { aRound } from './fixtures';

describe('the bid bar', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-12-02T01:55:00Z'));
  });
  afterEach(() => vi.useRealTimers());

  it('carries the price and the time left on the server’s clock, and ticks', async () => {
    const submit = vi.fn();
    render(BidBar, {
      props: { auction: aRound({ current_price: '2960000.00' }), offsetMs: 60_000, submit },
    });
    expect(screen.getByTestId('bid-bar').textContent).toContain('¥2,960,000.00');
    // The server is a minute ahead: four minutes left, not five.
    expect(screen.getByTestId('bar-time').textContent).toContain('04:00');
    await vi.advanceTimersByTimeAsync(2000);
    expect(screen.getByTestId('bar-time').textContent).toContain('03:58');
    expect(screen.getByLabelText('出价金额')).toBeTruthy();
  });
});
