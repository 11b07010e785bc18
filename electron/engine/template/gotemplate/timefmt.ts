/**
 * Go's time.Format and jehiah/go-strftime for `{{isotime}}` and `{{strftime}}`: the same implementation
 * the HCL functions use (`hcl/functions/gotime.ts`), for a JavaScript Date in UTC.
 */
import { formatLayout, strftime as goStrftime } from '../hcl/functions/gotime';

/** Formats a time in UTC with a Go layout. `nanos` is the sub-second part in nanoseconds (0..999999999). */
export function formatGoTime(date: Date, layout: string, nanos = date.getUTCMilliseconds() * 1e6): string {
  const sec = Math.floor(date.getTime() / 1000);
  return formatLayout({ sec, nsec: nanos, offset: 0, zone: 'UTC' }, layout);
}

/** Go's time.RFC3339 layout, what `{{isotime}}` uses with no argument. */
export const RFC3339 = '2006-01-02T15:04:05Z07:00';

/** jehiah/go-strftime's Format. */
export function strftime(format: string, date: Date): string {
  return goStrftime(format, {
    sec: Math.floor(date.getTime() / 1000),
    nsec: date.getUTCMilliseconds() * 1e6,
    offset: 0,
    zone: 'UTC',
  });
}
