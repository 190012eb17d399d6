import { describe, expect, it } from 'vitest';
import { fromBeijingInput, toBeijingInput } from './time';

describe('datetime-local inputs in Beijing time', () => {
  it('shows an instant as the Beijing wall clock and reads it back to the same instant', () => {
    expect(toBeijingInput('2027-01-15T16:00:00.000Z')).toBe('2027-01-16T00:00');
    expect(Date.parse(fromBeijingInput('2027-01-16T00:00'))).toBe(Date.parse('2027-01-15T16:00:00Z'));
  });
  it('gives nothing for an incomplete value', () => {
    expect(fromBeijingInput('2027-01-16')).toBe('');
    expect(toBeijingInput(null)).toBe('');
  });
});

describe('nextBeijingTen', () => {
  it('is 10:00 Beijing time on the same day when that is still ahead, else the next day', async () => {
    const { nextBeijingTen } = await import('./time');
    expect(nextBeijingTen('2027-01-10T00:30:00.000Z')).toBe('2027-01-10T02:00:00.000Z'); // 08:30 → 10:00
    expect(nextBeijingTen('2027-01-10T02:00:00.000Z')).toBe('2027-01-10T02:00:00.000Z'); // exactly 10:00
    expect(nextBeijingTen('2027-01-10T05:00:00.000Z')).toBe('2027-01-11T02:00:00.000Z'); // 13:00 → next day
    expect(nextBeijingTen('2027-01-10T17:00:00.000Z')).toBe('2027-01-11T02:00:00.000Z'); // 01:00 the 11th
  });
});
