import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import LedgerStatus from './LedgerStatus.svelte';

const head = 'a'.repeat(64);

describe('the ledger as this browser checked it', () => {
  it('shows the counts and that it is being checked', () => {
    render(LedgerStatus, { props: { ledger: 'checking', registrations: 3, bids: 7 } });
    expect(screen.getByTestId('ledger-verified').textContent).toContain('正在验证本轮记录…');
  });

  it('shows a verified chain with its head', () => {
    render(LedgerStatus, { props: { ledger: { ok: true, count: 12, head }, registrations: 3, bids: 7 } });
    expect(screen.getByTestId('ledger-verified').textContent).toContain('已验证 ✓');
    expect(screen.getByText(`12 条记录，链首 ${head.slice(0, 12)}…${head.slice(-6)}`)).toBeTruthy();
  });

  it('raises an alert naming the entry where the chain broke', () => {
    render(LedgerStatus, {
      props: { ledger: { ok: false, problem: 'payload', seq: 5 }, registrations: 3, bids: 7 },
    });
    expect(screen.getByRole('alert').textContent).toContain('第 5 条的内容被改动');
  });
});
