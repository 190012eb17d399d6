// Where to go after signing in, up or paying: the `next=` of the address, if it names a page of this app.
// An attacker's link (`/login?next=//evil.example`) must not send a bidder off-site after they sign in.

/**
 * The same-origin path `next` names, or `fallback`. The check is the browser's own URL parser
 * (WHATWG): what it would make of `next` must be on this origin and must not itself begin `//`; a
 * backslash, tab, line break or other control character — which the parser drops or reads as `/` — is
 * refused outright.
 */
export function sameOriginPath(next: string | null, fallback: string, origin: string = location.origin): string {
  if (!next || !next.startsWith('/') || next.startsWith('//')) return fallback;
  if (/[\u0000-\u001f\u007f\\]/.test(next)) return fallback;
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return fallback;
  }
  if (url.origin !== origin || url.pathname.startsWith('//')) return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
}
