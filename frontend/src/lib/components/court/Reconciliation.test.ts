import { render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import type { Schemas } from '$lib/api/client';

type Run = Schemas['ReconciliationView'];

const server = vi.hoisted(() => ({ payments: 'alipay', runs: [] as unknown[], run: null as unknown }));

vi.mock('$lib/api/client', () => ({
  api: {
    GET: async (path: string) => {
      if (path === '/api/health') return { data: { payments: server.payments }, response: { status: 200 } };
      if (path === '/api/admin/reconciliations') return { data: server.runs, response: { status: 200 } };
      return { data: server.run, response: { status: 200 } };
    },
    POST: async () => ({ data: server.run, response: { status: 201 } }),
  },
  call: async (request: () => Promise<{ data: unknown; response: { status: number } }>) => {
    const r = await request();
    return { ok: true, data: r.data, status: r.response.status };
  },
}));

const { default: Reconciliation } = await import('./Reconciliation.svelte');

function run(overrides: Partial<Run>): Run {
  return {
    id: 'run1',
    provider: 'alipay',
    day: '2027-01-06',
    started_at: '2027-01-06T18:00:00Z',
    finished_at: '2027-01-06T18:00:02Z',
    orders_checked: 12,
    refunds_checked: 4,
    difference_count: 0,
    failure: null,
    requested: false,
    ...overrides,
  } as Run;
}

describe("the administrator's reconciliation", () => {
  it("names each difference with both sides' amounts", async () => {
    const found = run({
      difference_count: 2,
      differences: [
        {
          kind: 'paid_at_gateway_only',
          order_id: 'o1',
          refund_id: null,
          auction_id: null,
          out_trade_no: null,
          platform_amount: null,
          gateway_amount: '70000.00',
          platform_state: 'pending',
          gateway_state: 'TRADE_SUCCESS',
          detail: 'deposit order',
        },
        {
          kind: 'stranded',
          order_id: 'o2',
          refund_id: null,
          auction_id: null,
          out_trade_no: null,
          platform_amount: '70000.00',
          gateway_amount: null,
          platform_state: 'paid · Released',
          gateway_state: null,
          detail: 'deposit received 70000.00; refunds completed 0.00, under way 0.00',
        },
      ],
    });
    server.runs = [found];
    server.run = found;
    render(Reconciliation);
    expect(await screen.findByText('网关已收款，本平台未入账')).toBeTruthy();
    expect(screen.getByText('应退款项无退款（滞留）')).toBeTruthy();
    expect(screen.getByText('2027-01-06 · 订单 12 笔，退款 4 笔')).toBeTruthy();
    expect(screen.getByTestId('reconciliation-differences').querySelectorAll('tbody tr')).toHaveLength(2);
  });

  it('says the sandbox has no books, and offers no run', async () => {
    server.payments = 'sandbox';
    render(Reconciliation);
    expect(await screen.findByText(/沙盒网关/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: '立即对账' })).toBeNull();
    server.payments = 'alipay';
  });
});
