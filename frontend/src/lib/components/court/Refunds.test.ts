import { fireEvent, render, screen } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Schemas } from '$lib/api/client';

type Refund = Schemas['CourtRefundView'];

const server = vi.hoisted(() => ({
  refunds: [] as unknown[],
  posted: [] as { id: string; bank_reference: string }[],
}));

vi.mock('$lib/api/client', () => ({
  api: {
    GET: async () => ({ data: server.refunds, response: { status: 200 } }),
    POST: async (_path: string, init: { params: { path: { id: string } }; body: { bank_reference: string } }) => {
      server.posted.push({ id: init.params.path.id, ...init.body });
      server.refunds = [];
      return { data: {}, response: { status: 200 } };
    },
  },
  call: async (request: () => Promise<{ data: unknown; response: { status: number } }>) => {
    const r = await request();
    return { ok: true, data: r.data, status: r.response.status };
  },
}));

const { default: Refunds } = await import('./Refunds.svelte');

function refund(overrides: Partial<Refund>): Refund {
  return {
    id: 'f1',
    auction_id: 'r1',
    purpose: 'deposit',
    reason: 'deposit_released',
    amount: '70000.00',
    status: 'awaiting_court',
    method: 'bank_transfer',
    gateway_reference: '',
    created_at: '2027-01-06T02:00:00Z',
    completed_at: null,
    needs_court: true,
    attempts: 0,
    last_error: null,
    due_at: '2027-01-07T02:00:00Z',
    payee: '林可',
    payee_account: '中国建设银行 6217',
    bank_reference: null,
    ...overrides,
  } as Refund;
}

describe('the refunds that need the court', () => {
  beforeEach(() => {
    server.posted = [];
  });

  it('lists a bank transfer to pay back with its payee and account, and confirms it 已退', async () => {
    server.refunds = [refund({}), refund({ id: 'f2', status: 'completed', needs_court: false })];
    render(Refunds);
    expect(await screen.findByText('退至 林可：中国建设银行 6217')).toBeTruthy();
    expect(screen.getAllByRole('listitem')).toHaveLength(1);
    await fireEvent.input(screen.getByLabelText('退款银行流水号'), { target: { value: 'CCB-RET-1' } });
    await fireEvent.submit(screen.getByRole('button', { name: '已退' }).closest('form') as HTMLFormElement);
    await vi.waitFor(() => expect(server.posted).toEqual([{ id: 'f1', bank_reference: 'CCB-RET-1' }]));
    expect(await screen.findByText('暂无')).toBeTruthy();
  });

  it('shows a gateway refund that keeps failing, without a form', async () => {
    server.refunds = [refund({ method: 'gateway', status: 'pending', attempts: 3, last_error: 'refused', payee: null })];
    render(Refunds);
    expect(await screen.findByText(/已 3 次未能退款（refused）/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: '已退' })).toBeNull();
  });
});
