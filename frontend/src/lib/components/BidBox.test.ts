import { fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Outcome } from '$lib/api/client';
import BidBox from './BidBox.svelte';

type Placed = { bid: { amount: string } };

const base = {
  minimumNextBid: '3070000.00',
  startingPrice: '2940000.00',
  increment: '10000.00',
  currentPrice: '3060000.00',
};

type Submit = (amount: string, requestId: string) => Promise<Outcome<Placed>>;

function setup(
  submit = vi.fn<Submit>(async (amount) => ({ ok: true, status: 201, data: { bid: { amount } } })),
) {
  let n = 0;
  const result = render(BidBox, {
    props: { ...base, submit, newRequestId: () => `request-${++n}`, retryDelaysMs: [10, 10] },
  });
  return { ...result, submit, input: screen.getByLabelText('出价金额') as HTMLInputElement };
}

describe('the bid box', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('starts at the minimum next bid and steps by one increment, never below the minimum', async () => {
    const { input } = setup();
    expect(input.value).toBe('3,070,000.00');
    await fireEvent.click(screen.getByRole('button', { name: '+ 增加一个加价幅度' }));
    await fireEvent.click(screen.getByRole('button', { name: '+ 增加一个加价幅度' }));
    expect(input.value).toBe('3,090,000.00');
    for (let i = 0; i < 5; i++) await fireEvent.click(screen.getByRole('button', { name: '− 减少一个加价幅度' }));
    expect(input.value).toBe('3,070,000.00');
  });

  it('refuses an amount off the grid or below the minimum without asking the server', async () => {
    const { input, submit } = setup();
    await fireEvent.input(input, { target: { value: '3075000' } });
    await fireEvent.click(screen.getByRole('button', { name: '出价' }));
    expect(screen.getByRole('alert').textContent).toContain('加价幅度');
    expect(screen.queryByRole('dialog')).toBeNull();
    await fireEvent.input(input, { target: { value: '3060000' } });
    await fireEvent.click(screen.getByRole('button', { name: '出价' }));
    expect(screen.getByRole('alert').textContent).toContain('最低可出价');
    expect(submit).not.toHaveBeenCalled();
  });

  it('confirms with the amount in capital numerals, then sends it', async () => {
    const { submit } = setup();
    await fireEvent.click(screen.getByRole('button', { name: '出价' }));
    const dialog = screen.getByRole('dialog', { name: '确认出价' });
    expect(dialog.textContent).toContain('确认以 ¥3,070,000.00（叁佰零柒万元整）出价？');
    expect(document.activeElement?.textContent?.trim()).toBe('确认出价');
    await fireEvent.click(screen.getByRole('button', { name: '确认出价' }));
    await vi.waitFor(() => expect(submit).toHaveBeenCalledWith('3070000.00', 'request-1'));
    await vi.waitFor(() => expect(screen.getByRole('status').textContent).toContain('出价成功'));
  });

  it('warns loudly and waits three seconds before a bid more than ten increments above the minimum', async () => {
    const { input, submit } = setup();
    await fireEvent.input(input, { target: { value: '3,180,000' } });
    await fireEvent.click(screen.getByRole('button', { name: '出价' }));
    expect(screen.getByRole('alert').textContent).toContain('11 个加价幅度');
    const confirm = screen.getByRole('button', { name: /确认出价（3）/ });
    await fireEvent.click(confirm);
    expect(submit).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(3000);
    await fireEvent.click(screen.getByRole('button', { name: '确认出价' }));
    await vi.waitFor(() => expect(submit).toHaveBeenCalledWith('3180000.00', 'request-1'));
  });

  it('retries a network failure with the same request id, so the bid counts once', async () => {
    const submit = vi
      .fn<Submit>()
      .mockResolvedValueOnce({ ok: false, error: { status: 0, code: 'network', message: '' } })
      .mockResolvedValueOnce({ ok: true, status: 200, data: { bid: { amount: '3070000.00' } } });
    setup(submit);
    await fireEvent.click(screen.getByRole('button', { name: '出价' }));
    await fireEvent.click(screen.getByRole('button', { name: '确认出价' }));
    await vi.advanceTimersByTimeAsync(50);
    expect(submit).toHaveBeenCalledTimes(2);
    expect(submit.mock.calls.map((call) => call[1])).toEqual(['request-1', 'request-1']);
    await vi.waitFor(() => expect(screen.getByRole('status').textContent).toContain('出价成功'));
  });

  it('says in plain words why the server refused, with the new minimum', async () => {
    const submit = vi.fn<Submit>(async () => ({
      ok: false,
      error: { status: 422, code: 'bid_too_low', message: 'too low', details: { minimum: '3080000.00' } },
    }));
    setup(submit);
    await fireEvent.click(screen.getByRole('button', { name: '出价' }));
    await fireEvent.click(screen.getByRole('button', { name: '确认出价' }));
    await vi.waitFor(() => expect(screen.getByRole('alert').textContent).toContain('当前最低可出价 ¥3,080,000.00'));
  });
});
