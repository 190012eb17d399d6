import { describe, expect, it } from 'vitest';
import { checkCreditCode } from './creditcode';

describe('the unified social credit code check (GB 32100)', () => {
  it("accepts the standard's example and real codes, in either case", () => {
    expect(checkCreditCode('91350100M000100Y43')).toBeNull();
    expect(checkCreditCode('91440300708461136t')).toBeNull();
  });

  it('names the same three problems as the server', () => {
    expect(checkCreditCode('91350100M000100Y44')).toBe('check_character');
    expect(checkCreditCode('913501A0M000100Y43')).toBe('division');
    expect(checkCreditCode('91350100M000100YI3')).toBe('shape');
    expect(checkCreditCode('91350100M000100Y4')).toBe('shape');
  });

  it('catches every single-character typo', () => {
    const good = '91350100M000100Y43';
    for (let i = 0; i < 18; i++) {
      for (const c of '0123456789ABCDEFGHJKLMNPQRTUWXY') {
        if (c === good[i]) continue;
        const typo = good.slice(0, i) + c + good.slice(i + 1);
        expect(checkCreditCode(typo), typo).not.toBeNull();
      }
    }
  });
});
