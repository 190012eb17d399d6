// Server error codes in plain words: the code picks the sentence, the server's own message is the fallback.
import type { ApiFailure } from './api/client';
import { t, tDynamic } from './i18n/index.svelte';
import { formatMoney } from './money';

export function describe(error: ApiFailure): string {
  if (error.code === 'network') return t('errors.network');
  if (error.status >= 500) return t('errors.server_error');
  const minimum = typeof error.details?.minimum === 'string' ? formatMoney(error.details.minimum) : '';
  // Who is still to be told before an announcement (R31), by role and name.
  const missing = Array.isArray(error.details?.missing)
    ? (error.details.missing as { party: string; name: string }[])
        .map((p) => `${tDynamic(`prepub.party.${p.party}`, p.party)} ${p.name}`)
        .join('、')
    : '';
  return tDynamic(`errors.${error.code}`, t('errors.generic', { message: error.message || error.code }), { minimum, missing });
}
