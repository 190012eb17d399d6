import { describe, expect, it } from 'vitest';
import { sameOriginPath } from './redirect';

const ORIGIN = 'https://fapai.example';
const go = (next: string | null) => sameOriginPath(next, '/', ORIGIN);

describe('the page to return to after signing in', () => {
  it('keeps a path of this app, with its query and fragment', () => {
    expect(go('/auctions/7f3e?tab=bids#record')).toBe('/auctions/7f3e?tab=bids#record');
    expect(go('/pay/42?next=%2Fme')).toBe('/pay/42?next=%2Fme');
    expect(go('/%2F%2Fevil.example')).toBe('/%2F%2Fevil.example');
    expect(go(null)).toBe('/');
  });

  it("refuses whatever the URL parser would take off-site (the WHATWG parser's cases)", () => {
    for (const next of [
      '//evil.example',
      '///evil.example',
      '/\\evil.example',
      '\\\\evil.example',
      '/\t/evil.example',
      '/\n/evil.example',
      '/\r/evil.example',
      '/\u0000/evil.example',
      '/.//evil.example',
      '/..//evil.example',
      ' //evil.example',
      'https://evil.example/',
      'https:evil.example',
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'evil.example',
    ]) {
      expect(go(next), JSON.stringify(next)).toBe('/');
    }
  });
});
