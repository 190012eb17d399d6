// Times as people read them here: Beijing time (UTC+8, no daylight saving), with the zone named.

const BEIJING_OFFSET_MS = 8 * 3600 * 1000;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `2026-12-01 10:00:00` in Beijing time (the caller names the zone). */
export function beijing(iso: string | null | undefined, withSeconds = true): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '—';
  const d = new Date(t + BEIJING_OFFSET_MS);
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}${withSeconds ? ':' + pad(d.getUTCSeconds()) : ''}`;
  return `${date} ${time}`;
}

export interface Remaining {
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
  totalMs: number;
}

/** Time left until `targetMs`, never negative. */
export function remaining(targetMs: number, nowMs: number): Remaining {
  const totalMs = Math.max(0, targetMs - nowMs);
  const total = Math.floor(totalMs / 1000);
  return {
    days: Math.floor(total / 86400),
    hours: Math.floor((total % 86400) / 3600),
    minutes: Math.floor((total % 3600) / 60),
    seconds: total % 60,
    totalMs,
  };
}

/** `00:04:37`, or `2 天 03:04:05` (`2d 03:04:05`) beyond a day. */
export function formatRemaining(r: Remaining, dayWord: string): string {
  const clock = `${pad(r.hours)}:${pad(r.minutes)}:${pad(r.seconds)}`;
  return r.days > 0 ? `${r.days}${dayWord}${clock}` : clock;
}

/** The offset to add to this browser's clock to get the server's, from a `server_time` just received. */
export function clockOffset(serverTime: string | null | undefined, localNowMs: number): number {
  const server = serverTime ? Date.parse(serverTime) : NaN;
  return Number.isNaN(server) ? 0 : server - localNowMs;
}

/** The value of a `datetime-local` input showing `iso` in Beijing time (`2027-01-16T00:00`). */
export function toBeijingInput(iso: string | null | undefined): string {
  return iso ? beijing(iso, false).replace(' ', 'T') : '';
}

/** A `datetime-local` value read as Beijing time, as RFC 3339 the server takes; '' if incomplete. */
export function fromBeijingInput(value: string): string {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value) ? `${value}:00+08:00` : '';
}

/** The first 10:00 Beijing time at or after `iso`: where courts start and end rounds by custom. */
export function nextBeijingTen(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const local = new Date(t + BEIJING_OFFSET_MS);
  const tenThatDay = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate(), 10) - BEIJING_OFFSET_MS;
  return new Date(tenThatDay >= t ? tenThatDay : tenThatDay + 86_400_000).toISOString();
}
