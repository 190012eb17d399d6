import { render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import type { Schemas } from '$lib/api/client';

const server = vi.hoisted(() => ({ answer: null as unknown, status: 200 }));

vi.mock('$lib/api/client', () => ({
  api: { GET: async () => ({ data: server.answer, response: { status: server.status } }) },
  call: async (request: () => Promise<{ data: unknown; response: { status: number } }>) => {
    const r = await request();
    return r.response.status === 200
      ? { ok: true, data: r.data, status: 200 }
      : { ok: false, error: { code: 'auction_not_closed', message: 'not yet' }, status: r.response.status };
  },
}));

const { default: Signals } = await import('./Signals.svelte');

function answer(signals: Schemas['SignalView'][]): Schemas['SignalsView'] {
  return { auction_id: 'r1', title: '望江路18号', ledger_seq: 9, ledger_head: 'f'.repeat(64), signals };
}

describe("a round's signals for the court", () => {
  it('shows each signal with its kind, strength, explanation and ledger entries', async () => {
    server.answer = answer([
      {
        kind: 'stopped_at_start',
        score: 60,
        codes: ['1007'],
        explanation: '4 人交纳保证金报名，但只有竞买号 1007 以起拍价出价一次，无人加价。',
        evidence: [{ ledger_seq: 5, hash: 'a'.repeat(64) }],
      },
    ]);
    render(Signals, { auctionId: 'r1' });
    expect(await screen.findByText('多人报名却止于起拍价')).toBeTruthy();
    expect(screen.getByText('4 人交纳保证金报名，但只有竞买号 1007 以起拍价出价一次，无人加价。')).toBeTruthy();
    expect(screen.getByText(/强度 60/)).toBeTruthy();
    expect(screen.getByText(/#5/).textContent).toContain('aaaaaaaaaaaaaaaa…');
    expect(screen.getByRole('button', { name: '导出 JSON（用于异议材料）' })).toBeTruthy();
  });

  it('says so when there is none', async () => {
    server.answer = answer([]);
    render(Signals, { auctionId: 'r1' });
    expect(await screen.findByTestId('no-signals')).toBeTruthy();
  });
});
