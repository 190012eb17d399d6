import { describe, expect, it } from 'vitest';
import { formatMoney, formatWan, incrementsAbove, isOnGrid, meanFen, parseTyped, toCapital, toFen, toPlain } from './money';

describe('money', () => {
  it('reads only the canonical form the API prints', () => {
    expect(toFen('3060000.00')).toBe(306000000n);
    expect(toFen('0.01')).toBe(1n);
    expect(toFen('99999999999999.99')).toBe(9999999999999999n);
    for (const bad of ['131500.000', '+131500', '.5', '131500.', ' 1', '0070000', '1e5', '']) {
      expect(toFen(bad), bad).toBeNull();
    }
  });

  it('reads what a person types, with grouping and the currency sign', () => {
    expect(parseTyped('3,070,000')).toBe(307000000n);
    expect(parseTyped('¥3,070,000.5')).toBe(307000050n);
    expect(parseTyped('abc')).toBeNull();
    expect(parseTyped('  ')).toBeNull();
  });

  it('formats with thousands separators and two decimals', () => {
    expect(formatMoney('3060000.00')).toBe('¥3,060,000.00');
    expect(formatMoney(1n)).toBe('¥0.01');
    expect(formatMoney('99999999999999.99')).toBe('¥99,999,999,999,999.99');
    expect(formatMoney(null)).toBe('—');
    expect(toPlain(307000000n)).toBe('3070000.00');
  });

  it('shows 万 as the secondary label', () => {
    expect(formatWan('3060000.00')).toBe('306 万');
    expect(formatWan('1234567.00')).toBe('123.46 万');
    expect(formatWan('131000.00')).toBe('13.1 万');
    expect(formatWan('9999.00')).toBe('9999.00 元');
  });

  it('writes capital numerals as banks do', () => {
    const cases: [string, string][] = [
      ['3070000.00', '叁佰零柒万元整'],
      ['3060000.00', '叁佰零陆万元整'],
      ['10050.00', '壹万零伍拾元整'],
      ['100000001.00', '壹亿零壹元整'],
      ['100010000.00', '壹亿零壹万元整'],
      ['1001.00', '壹仟零壹元整'],
      ['10.00', '壹拾元整'],
      ['1234567.89', '壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分'],
      ['100.05', '壹佰元零伍分'],
      ['0.30', '叁角'],
      ['41999999.99', '肆仟壹佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分'],
    ];
    for (const [amount, capital] of cases) expect(toCapital(toFen(amount)!), amount).toBe(capital);
  });

  it('knows the grid and how far above the minimum a bid is', () => {
    const start = toFen('2940000.00')!;
    const step = toFen('10000.00')!;
    expect(isOnGrid(toFen('3070000.00')!, start, step)).toBe(true);
    expect(isOnGrid(toFen('3075000.00')!, start, step)).toBe(false);
    expect(isOnGrid(toFen('2930000.00')!, start, step)).toBe(false);
    expect(incrementsAbove(toFen('3180000.00')!, toFen('3070000.00')!, step)).toBe(11n);
    expect(incrementsAbove(toFen('3060000.00')!, toFen('3070000.00')!, step)).toBe(0n);
  });
});

describe('the mean of quotes', () => {
  it('rounds half up to the fen, as the server does', () => {
    expect(meanFen([100n, 101n])).toBe(101n); // 100.5 fen
    expect(meanFen([100n, 100n, 101n])).toBe(100n); // 100.33 fen
    expect(meanFen([100000000n, 120000000n, 95000000n])).toBe(105000000n);
    expect(meanFen([])).toBe(null);
  });
});
