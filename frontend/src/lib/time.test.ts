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
