import { beforeEach, describe, expect, it } from 'vitest';
import { deviceId } from './device';

describe("the browser's device id", () => {
  beforeEach(() => localStorage.clear());

  it('is made once and kept, so two registrations from one browser carry the same id', () => {
    const first = deviceId();
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(deviceId()).toBe(first);
    expect(localStorage.getItem('fapai.device')).toBe(first);
  });
});
