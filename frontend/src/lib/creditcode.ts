// The unified social credit code check (GB 32100-2015), as the server does it, so a typo shows before submitting.

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** Why a credit code is refused: the same three reasons the server gives (`invalid_credit_code`). */
export type CreditCodeProblem = 'shape' | 'division' | 'check_character';

export function checkCreditCode(input: string): CreditCodeProblem | null {
  const text = input.trim().toUpperCase();
  const values = [...text].map((c) => ALPHABET.indexOf(c));
  if (values.length !== 18 || values.includes(-1)) return 'shape';
  if (!values.slice(2, 8).every((v) => v < 10)) return 'division';
  const sum = values.slice(0, 17).reduce((total, v, i) => total + v * WEIGHTS[i], 0);
  return ALPHABET[(31 - (sum % 31)) % 31] === text[17] ? null : 'check_character';
}
