import { describe, expect, it } from 'vitest';
import { canonicalJson, verifyLedger, type Ledger } from './ledger';

// Made with Python's hashlib and json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False),
// the README's script: an implementation independent of this one.
const GOOD: Ledger = {
  entries: [
    {
      seq: 1,
      kind: 'status',
      payload: { seq: 1, kind: 'status', auction_id: 'a1', status: 'announced', at: '2026-11-27T02:00:00.000Z' },
      prev_hash: '0'.repeat(64),
      hash: '1d90b37fbbc5deb367b4e5fe42d13b0874c917bd0955e5f94dbeb1eee9268bfc',
    },
    {
      seq: 2,
      kind: 'bid',
      payload: { seq: 2, kind: 'bid', auction_id: 'a1', amount: '700000.00', bidder_code: 'K2301', note: '出价 "一"\n' },
      prev_hash: '1d90b37fbbc5deb367b4e5fe42d13b0874c917bd0955e5f94dbeb1eee9268bfc',
      hash: 'a4d79996fd6da84af975e0b6cc68b76644dab7348d4035e9984b7252020f9931',
    },
    {
      seq: 3,
      kind: 'extension',
      payload: {
        seq: 3,
        kind: 'extension',
        auction_id: 'a1',
        to: '2026-12-29T02:05:00.000Z',
        nested: { b: [1, { z: null, a: true }], a: '中文' },
      },
      prev_hash: 'a4d79996fd6da84af975e0b6cc68b76644dab7348d4035e9984b7252020f9931',
      hash: '090241a5617c85cc7570b8c6e500830d1df36568140b86f2d0bd70f73a032e62',
    },
  ],
  head: '090241a5617c85cc7570b8c6e500830d1df36568140b86f2d0bd70f73a032e62',
};

const copy = (): Ledger => structuredClone(GOOD);

describe('the ledger check', () => {
  it('writes canonical JSON as the server does', () => {
    expect(canonicalJson({ b: 1, a: { z: [true, null], y: 'x"y' }, 中: '文' })).toBe(
      '{"a":{"y":"x\\"y","z":[true,null]},"b":1,"中":"文"}',
    );
  });

  it('verifies a good chain and names its head', async () => {
    expect(await verifyLedger(copy())).toEqual({ ok: true, head: GOOD.head, count: 3 });
  });

  it('finds a single altered payload', async () => {
    const altered = copy();
    (altered.entries[1].payload as Record<string, unknown>).amount = '700001.00';
    expect(await verifyLedger(altered)).toEqual({ ok: false, seq: 2, problem: 'payload' });
  });

  it('finds a removed entry as a broken link, and a head that is not the last hash', async () => {
    const removed = copy();
    removed.entries.splice(1, 1);
    expect(await verifyLedger(removed)).toEqual({ ok: false, seq: 3, problem: 'link' });
    const wrongHead = copy();
    wrongHead.head = GOOD.entries[1].hash;
    expect(await verifyLedger(wrongHead)).toEqual({ ok: false, seq: null, problem: 'head' });
  });
});
