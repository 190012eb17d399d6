import { describe, expect, it } from 'vitest';
import { checkIdNumber } from './idnumber';

describe('the ID number check (GB 11643)', () => {
  it("accepts the standard's worked example, in either case", () => {
    expect(checkIdNumber('11010519491231002X')).toBeNull();
    expect(checkIdNumber('11010519491231002x')).toBeNull();
  });

  it('names the same three problems as the server', () => {
    expect(checkIdNumber('110105194912310021')).toBe('check_character');
    expect(checkIdNumber('11010519491331002X')).toBe('birth_date');
    expect(checkIdNumber('11010519490230002X')).toBe('birth_date');
    expect(checkIdNumber('1101051949123100')).toBe('shape');
    expect(checkIdNumber('11010519491231002Y')).toBe('shape');
  });

  it('catches every single-digit typo', () => {
    const good = '11010519491231002X';
    for (let i = 0; i < 17; i++) {
      for (let d = 0; d <= 9; d++) {
        if (String(d) === good[i]) continue;
        const typo = good.slice(0, i) + d + good.slice(i + 1);
        expect(checkIdNumber(typo), typo).not.toBeNull();
      }
    }
  });
});
