import { describe, expect, it } from 'vitest';
import { formatDurafmt, formatGoDuration, parseGoDuration } from './duration';

describe('Go durations', () => {
  it('parses what time.ParseDuration parses', () => {
    expect(parseGoDuration('5m')).toBe(300_000);
    expect(parseGoDuration('1h30m')).toBe(5_400_000);
    expect(parseGoDuration('1.5s')).toBe(1500);
    expect(parseGoDuration('300ms')).toBe(300);
    expect(parseGoDuration('0')).toBe(0);
    expect(() => parseGoDuration('xx')).toThrow('time: invalid duration "xx"');
    expect(() => parseGoDuration('10')).toThrow('time: missing unit in duration "10"');
  });

  it('prints as Duration.String()', () => {
    expect(formatGoDuration(1000)).toBe('1s');
    expect(formatGoDuration(90_000)).toBe('1m30s');
    expect(formatGoDuration(300_000)).toBe('5m0s');
    expect(formatGoDuration(7_200_000)).toBe('2h0m0s');
    expect(formatGoDuration(1500)).toBe('1.5s');
    expect(formatGoDuration(100)).toBe('100ms');
    expect(formatGoDuration(0.001)).toBe('1µs');
    expect(formatGoDuration(0)).toBe('0s');
  });

  it("prints durafmt's first two units, as Packer's build summary does", () => {
    expect(formatDurafmt(11.499)).toBe('11 milliseconds 499 microseconds');
    expect(formatDurafmt(2023)).toBe('2 seconds 23 milliseconds');
    expect(formatDurafmt(1587.3)).toBe('1 second 587 milliseconds');
    expect(formatDurafmt(15_141)).toBe('15 seconds 141 milliseconds');
    expect(formatDurafmt(0.007)).toBe('7 microseconds');
    expect(formatDurafmt(3_723_000)).toBe('1 hour 2 minutes');
  });
});
