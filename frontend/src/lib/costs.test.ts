import { describe, expect, it } from 'vitest';
import { basisPoints, buyerEstimate } from './costs';

const costs = [
  { name: '契税', borne_by: 'buyer', kind: 'percent_of_price', percent: '3' },
  { name: '物业欠费', borne_by: 'buyer', kind: 'fixed', amount: '5432.10' },
  { name: '增值税', borne_by: 'seller', kind: 'percent_of_price', percent: '5.6' },
];

describe('buyerEstimate', () => {
  it('sums the buyer items at the price, as the server does', () => {
    const estimate = buyerEstimate(costs, 70_000_000n);
    expect(estimate.items.map((i) => [i.name, i.fen])).toEqual([
      ['契税', 2_100_000n],
      ['物业欠费', 543_210n],
    ]);
    expect(estimate.total).toBe(2_643_210n);
    expect(buyerEstimate(costs, 70_100_000n).total).toBe(2_646_210n);
  });

  it('rounds a percent half up to the fen', () => {
    const one = [{ name: 'x', borne_by: 'buyer', kind: 'percent_of_price', percent: '1.5' }];
    expect(buyerEstimate(one, 33n).total).toBe(0n); // 0.495 fen
    expect(buyerEstimate(one, 34n).total).toBe(1n); // 0.51 fen
    expect(buyerEstimate(one, 100n).total).toBe(2n); // 1.5 fen rounds up
  });

  it('reads percents with up to two decimals', () => {
    expect(basisPoints('5.6')).toBe(560n);
    expect(basisPoints('100')).toBe(10_000n);
    expect(basisPoints('0.05')).toBe(5n);
    expect(basisPoints('abc')).toBeNull();
  });
});
