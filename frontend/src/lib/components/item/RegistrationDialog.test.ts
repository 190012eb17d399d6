import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import type { Registration } from '$lib/api/client';
import RegistrationDialog, { type Principal } from './RegistrationDialog.svelte';
import { aRegistration, aRound } from './fixtures';

type Register = (principal: Principal | null, file: File | null) => Promise<string | null>;

function open(round = aRound({ status: 'announced' }), register = vi.fn<Register>(async () => null)) {
  const props = { round, registration: null as Registration | null, register, onpay: vi.fn(), onclose: vi.fn() };
  return { ...render(RegistrationDialog, { props }), props, register };
}

describe('the registration dialog', () => {
  it('registers only once the terms are accepted', async () => {
    const { register } = open();
    await fireEvent.click(screen.getByRole('button', { name: '确认报名' }));
    expect(screen.getByRole('alert').textContent).toBe('请先勾选同意竞买须知和特别提示。');
    expect(register).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByLabelText('我已阅读并同意竞买须知和特别提示'));
    await fireEvent.click(screen.getByRole('button', { name: '确认报名' }));
    expect(register).toHaveBeenCalledWith(null, null);
  });

  it('sends a principal by ID number as a person and by credit code as an organisation', async () => {
    const { register } = open();
    await fireEvent.click(screen.getByLabelText('我已阅读并同意竞买须知和特别提示'));
    await fireEvent.click(screen.getByLabelText('代他人竞买'));
    await fireEvent.input(screen.getByLabelText('被代理人名称'), { target: { value: ' 李四 ' } });
    await fireEvent.input(screen.getByLabelText('被代理人证件号码'), { target: { value: '11010519491231002x' } });
    await fireEvent.click(screen.getByRole('button', { name: '确认报名' }));
    expect(register).toHaveBeenLastCalledWith({ kind: 'person', name: '李四', id_number: '11010519491231002X' }, null);
    await fireEvent.input(screen.getByLabelText('被代理人名称'), { target: { value: '某某有限公司' } });
    await fireEvent.input(screen.getByLabelText('被代理人证件号码'), { target: { value: '91350100M000100Y43' } });
    await fireEvent.click(screen.getByRole('button', { name: '确认报名' }));
    expect(register).toHaveBeenLastCalledWith(
      { kind: 'organisation', name: '某某有限公司', credit_code: '91350100M000100Y43' },
      null,
    );
  });

  it('offers bidding for a principal only before bidding opens (R41)', () => {
    open(aRound({ status: 'bidding' }));
    expect(screen.queryByLabelText('代他人竞买')).toBeNull();
  });

  it('shows the server’s refusal in words', async () => {
    open(aRound({ status: 'announced' }), vi.fn<Register>(async () => '本轮报名已截止'));
    await fireEvent.click(screen.getByLabelText('我已阅读并同意竞买须知和特别提示'));
    await fireEvent.click(screen.getByRole('button', { name: '确认报名' }));
    expect((await screen.findByRole('alert')).textContent).toBe('本轮报名已截止');
  });

  it('once registered shows the code and the deposit to pay', async () => {
    const { props, rerender } = open();
    const unpaid = aRegistration({ deposit: { amount: '300000.00', forfeitable: '300000.00', status: 'unpaid' } });
    await rerender({ ...props, registration: unpaid });
    expect(screen.getByTestId('registration-code').textContent).toBe('A1B2');
    expect(screen.getByText('应付保证金 ¥300,000.00')).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: '支付保证金' }));
    expect(props.onpay).toHaveBeenCalledOnce();
  });
});
