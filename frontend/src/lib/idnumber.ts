// The PRC resident ID number check (GB 11643), as the server does it, so a typo shows before submitting.

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/** Why an ID number is refused: the same three reasons the server gives (`invalid_id_number`). */
export type IdNumberProblem = 'shape' | 'birth_date' | 'check_character';

export function checkIdNumber(input: string): IdNumberProblem | null {
  const text = input.trim().toUpperCase();
  if (!/^[0-9]{17}[0-9X]$/.test(text)) return 'shape';
  const year = Number(text.slice(6, 10));
  const month = Number(text.slice(10, 12));
  const day = Number(text.slice(12, 14));
  const date = new Date(Date.UTC(year, month - 1, day));
  const real =
    year >= 1900 && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  if (!real) return 'birth_date';
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(text[i]) * WEIGHTS[i];
  return CHECK[sum % 11] === text[17] ? null : 'check_character';
}
