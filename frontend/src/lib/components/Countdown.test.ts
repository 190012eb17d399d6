import { render, screen } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import Countdown from './Countdown.svelte';

describe('the countdown', () => {
  const start = Date.parse('2026-12-28T02:00:00.000Z');

  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(start);
  });
  afterEach(() => vi.useRealTimers());

  const props = {
    status: 'bidding',
    startsAt: '2026-12-27T02:00:00.000Z',
    endsAt: '2026-12-28T02:05:00.000Z',
    extensionCount: 0,
    // The server is 2 s ahead of this browser.
    offsetMs: 2000,
  };

  it("ticks on the server's clock", () => {
    render(Countdown, { props });
    expect(screen.getByTestId('countdown').textContent?.trim()).toBe('00:04:58');
    vi.advanceTimersByTime(1000);
    flushSync();
    expect(screen.getByTestId('countdown').textContent?.trim()).toBe('00:04:57');
    expect(screen.getByText(/2026-12-28 10:05:00/)).toBeTruthy();
  });

  it('shows an extension: the count and the new end in Beijing time', async () => {
    const { rerender } = render(Countdown, { props });
    expect(screen.getByTestId('extension-count').textContent).toContain('延时 0 次');
    expect(screen.queryByRole('status')).toBeNull();
    await rerender({ ...props, endsAt: '2026-12-28T02:09:00.000Z', extensionCount: 1 });
    expect(screen.getByTestId('extension-count').textContent).toContain('延时 1 次');
    expect(screen.getByRole('status').textContent).toContain('2026-12-28 10:09:00');
    expect(screen.getByTestId('countdown').textContent?.trim()).toBe('00:08:58');
  });

  it('counts to the start while announced, shows days, and stops after the end', async () => {
    const { rerender } = render(Countdown, {
      props: { ...props, status: 'announced', startsAt: '2026-12-30T03:04:05.000Z', offsetMs: 0 },
    });
    expect(screen.getByTestId('countdown').textContent?.trim()).toBe('2 天 01:04:05');
    await rerender({ ...props, status: 'sold' });
    expect(screen.getByTestId('countdown').textContent?.trim()).toBe('—');
  });

  it('warns in the last minute', () => {
    render(Countdown, { props: { ...props, endsAt: '2026-12-28T02:00:50.000Z', offsetMs: 0 } });
    expect(screen.getByRole('alert').textContent).toContain('最后一分钟');
  });
});
