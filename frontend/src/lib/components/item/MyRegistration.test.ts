import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import MyRegistration from './MyRegistration.svelte';
import { aRegistration } from './fixtures';

describe('my registration', () => {
  it('shows my code, where I stand and my deposit', () => {
    render(MyRegistration, {
      props: { registration: aRegistration(), standing: 'leading', registrationOpen: true, onpay: vi.fn() },
    });
    expect(screen.getByTestId('bidder-code').textContent).toBe('A1B2');
    expect(screen.getByTestId('my-status').textContent).toBe('领先');
    expect(screen.getByText(/已冻结/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: '支付保证金' })).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('offers to pay an unpaid deposit only while registration is open', async () => {
    const onpay = vi.fn();
    const unpaid = aRegistration({ deposit: { amount: '300000.00', forfeitable: '300000.00', status: 'unpaid' } });
    const { rerender } = render(MyRegistration, {
      props: { registration: unpaid, standing: null, registrationOpen: true, onpay },
    });
    await fireEvent.click(screen.getByRole('button', { name: '支付保证金' }));
    expect(onpay).toHaveBeenCalledOnce();
    await rerender({ registration: unpaid, standing: null, registrationOpen: false, onpay });
    expect(screen.queryByRole('button', { name: '支付保证金' })).toBeNull();
  });

  it('says at once when I have been outbid', () => {
    render(MyRegistration, {
      props: { registration: aRegistration(), standing: 'outbid', outbid: true, registrationOpen: false, onpay: vi.fn() },
    });
    expect(screen.getByRole('alert').textContent).toBe('你已被超越');
    expect(screen.getByTestId('my-status').textContent).toBe('出局');
  });

  it('takes the focus when asked, so a bidder back from paying lands on it', () => {
    render(MyRegistration, {
      props: { registration: aRegistration(), standing: 'none', registrationOpen: true, focus: true, onpay: vi.fn() },
    });
    expect(document.activeElement).toBe(screen.getByTestId('my-registration'));
  });
});
