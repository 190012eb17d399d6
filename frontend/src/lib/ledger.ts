// Checking a round's ledger in the browser, exactly as the README's script does: each entry's hash is
// hex(sha256(prev_hash ‖ canonical JSON of payload)), the first prev_hash 64 zeros, and the head the last hash.

export interface LedgerEntry {
  seq: number;
  kind: string;
  payload: unknown;
  prev_hash: string;
  hash: string;
}

export interface Ledger {
  entries: LedgerEntry[];
  head: string;
}

export type LedgerCheck =
  | { ok: true; head: string; count: number }
  | { ok: false; seq: number | null; problem: 'link' | 'payload' | 'head' };

export const GENESIS = '0'.repeat(64);

/** Compares by Unicode code point, as Rust and Python sort the keys (not by UTF-16 unit). */
function byCodePoint(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i].codePointAt(0) ?? 0) - (y[i].codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** Keys sorted, no whitespace, text as UTF-8 (not escaped beyond what JSON requires). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const fields = value as Record<string, unknown>;
    const keys = Object.keys(fields).sort(byCodePoint);
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(fields[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function verifyLedger(ledger: Ledger): Promise<LedgerCheck> {
  let prev = GENESIS;
  for (const entry of ledger.entries) {
    if (entry.prev_hash !== prev) return { ok: false, seq: entry.seq, problem: 'link' };
    prev = await sha256Hex(prev + canonicalJson(entry.payload));
    if (entry.hash !== prev) return { ok: false, seq: entry.seq, problem: 'payload' };
  }
  if (ledger.head !== prev) return { ok: false, seq: null, problem: 'head' };
  return { ok: true, head: prev, count: ledger.entries.length };
}
