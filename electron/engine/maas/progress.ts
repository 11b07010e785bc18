/** Transfer rate and time left, from (time, bytes) samples over a sliding window. */

export interface RateSample {
  rate: number;
  etaSeconds: number | undefined;
}

export class RateMeter {
  private samples: Array<{ t: number; bytes: number }> = [];

  constructor(
    private readonly windowMs = 5_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Starts over from `bytes` (after a resume, so restored bytes do not count as speed). */
  reset(bytes: number): void {
    this.samples = [{ t: this.now(), bytes }];
  }

  update(bytes: number, total: number): RateSample {
    const t = this.now();
    this.samples.push({ t, bytes });
    // Keep one sample older than the window so the rate spans the whole window.
    while (this.samples.length > 2 && t - this.samples[1].t >= this.windowMs) this.samples.shift();
    const first = this.samples[0];
    const elapsed = (t - first.t) / 1000;
    const rate = elapsed > 0 ? Math.max(0, (bytes - first.bytes) / elapsed) : 0;
    const etaSeconds = rate > 0 ? Math.max(0, (total - bytes) / rate) : undefined;
    return { rate, etaSeconds };
  }
}
