/**
 * The organisation's requests-per-minute limit, enforced as the API does: "We use the token bucket algorithm to do
 * rate limiting. This means that your capacity is continuously replenished up to your maximum limit, rather than
 * being reset at fixed intervals" (https://platform.claude.com/docs/en/api/rate-limits#about-our-limits). Past it,
 * "you will get a 429 error describing which rate limit was exceeded, along with a retry-after header indicating how
 * long to wait" (same page, #rate-limits); retry-after is in whole seconds.
 */
export class FakeRequestLimit {
  private tokens: number;
  private at = Date.now();

  constructor(readonly perMinute: number) {
    this.tokens = perMinute;
  }

  /** Takes one request from the bucket: undefined when it may go, else the seconds to wait (retry-after). */
  take(): number | undefined {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil(((1 - this.tokens) * 60) / this.perMinute));
  }

  /** What `anthropic-ratelimit-requests-remaining` reports: the whole requests that would go now. */
  remaining(): number {
    this.refill();
    return Math.floor(this.tokens);
  }

  private refill(): void {
    const now = Date.now();
    this.tokens = Math.min(this.perMinute, this.tokens + ((now - this.at) * this.perMinute) / 60_000);
    this.at = now;
  }
}
