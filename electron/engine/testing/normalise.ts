/** Test support: what differs between two runs of the same build (temp names, durations) made equal. */
export function normalise(text: string): string {
  return text
    .replace(/\/tmp\/packer-shell\d+/g, '/tmp/packer-shellN')
    .replace(/(after|errored after|finished after) (\d+ \w+)( \d+ \w+)?/g, '$1 D');
}
