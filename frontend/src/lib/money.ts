// Money in the browser: exact, in integer fen (分) as bigint — never a float. The server decides every
// rule; these helpers only parse, format and step by the increment it gives.

const CANONICAL = /^(0|[1-9][0-9]{0,13})(\.[0-9]{1,2})?$/;

/** Fen of an amount the API printed (`"3060000.00"`) or the canonical form of one; null if malformed. */
export function toFen(text: string | null | undefined): bigint | null {
  if (text == null || !CANONICAL.test(text)) return null;
  const [whole, fraction = ''] = text.split('.');
  return BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
}

/** What a person typed (`3,070,000`, `¥3070000.5`) as fen; null if it is no amount. */
export function parseTyped(text: string): bigint | null {
  const cleaned = text.replace(/[\s,，¥￥]/g, '');
  if (cleaned === '') return null;
  return toFen(cleaned);
}

/** The API's form: `"3070000.00"`. */
export function toPlain(fen: bigint): string {
  const sign = fen < 0n ? '-' : '';
  const abs = fen < 0n ? -fen : fen;
  return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

function group(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `¥3,060,000.00` from fen or an API amount; `—` for none. */
export function formatMoney(value: bigint | string | null | undefined): string {
  const fen = typeof value === 'bigint' ? value : toFen(value ?? null);
  if (fen === null) return '—';
  const [whole, fraction] = toPlain(fen).split('.');
  return `¥${group(whole)}.${fraction}`;
}

/** Without the currency sign, for an input box: `3,070,000.00`. */
export function formatPlainGrouped(fen: bigint): string {
  return formatMoney(fen).slice(1);
}

/** The secondary label Chinese sites use: `306 万`, `123.46 万`; amounts under ¥10,000 in yuan. */
export function formatWan(value: bigint | string | null | undefined): string {
  const fen = typeof value === 'bigint' ? value : toFen(value ?? null);
  if (fen === null) return '';
  if (fen < 1_000_000n) return `${toPlain(fen)} 元`;
  // 万 with two decimals, rounded half up, trailing zeros dropped.
  const hundredths = (fen + 5_000n) / 10_000n;
  const text = `${hundredths / 100n}.${(hundredths % 100n).toString().padStart(2, '0')}`.replace(/\.?0+$/, '');
  return `${group(text.split('.')[0])}${text.includes('.') ? '.' + text.split('.')[1] : ''} 万`;
}

const DIGITS = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
const PLACES = ['', '拾', '佰', '仟'];
const GROUPS = ['', '万', '亿', '万亿'];

function groupCapital(value: number): string {
  let text = '';
  let zeroPending = false;
  for (let place = 3; place >= 0; place--) {
    const digit = Math.floor(value / 10 ** place) % 10;
    if (digit === 0) {
      zeroPending = text !== '';
    } else {
      if (zeroPending) text += '零';
      text += DIGITS[digit] + PLACES[place];
      zeroPending = false;
    }
  }
  return text;
}

/**
 * The amount in Chinese capital numerals as banks write it (大写金额): `叁佰零柒万元整`,
 * `壹万零伍拾元零伍分`. Integers up to 16 digits.
 */
export function toCapital(fen: bigint): string {
  if (fen <= 0n) return '零元整';
  const yuan = fen / 100n;
  const jiao = Number((fen / 10n) % 10n);
  const fenDigit = Number(fen % 10n);
  let text = '';
  if (yuan > 0n) {
    const groups: number[] = [];
    for (let rest = yuan; rest > 0n; rest /= 10_000n) groups.push(Number(rest % 10_000n));
    let zeroBetween = false;
    for (let i = groups.length - 1; i >= 0; i--) {
      const value = groups[i];
      if (value === 0) {
        zeroBetween = text !== '';
        continue;
      }
      if (text !== '' && (zeroBetween || value < 1000)) text += '零';
      text += groupCapital(value) + GROUPS[i];
      zeroBetween = false;
    }
    text += '元';
  }
  if (jiao === 0 && fenDigit === 0) return text + '整';
  if (jiao > 0) text += DIGITS[jiao] + '角';
  else if (yuan > 0n) text += '零';
  if (fenDigit > 0) text += DIGITS[fenDigit] + '分';
  return text;
}

/** How many increments `amount` lies above `minimum` (0 when at or below it). */
export function incrementsAbove(amount: bigint, minimum: bigint, increment: bigint): bigint {
  if (increment <= 0n || amount <= minimum) return 0n;
  return (amount - minimum) / increment;
}

/** Whether `amount` is on the round's grid: the starting price plus a whole number of increments. */
export function isOnGrid(amount: bigint, start: bigint, increment: bigint): boolean {
  return amount >= start && increment > 0n && (amount - start) % increment === 0n;
}

/** The mean of amounts in fen, rounded half up to the fen — as the server's `Money::mean` rounds it. */
export function meanFen(amounts: bigint[]): bigint | null {
  if (amounts.length === 0) return null;
  const total = amounts.reduce((sum, a) => sum + a, 0n);
  const n = BigInt(amounts.length);
  return (2n * total + n) / (2n * n);
}
