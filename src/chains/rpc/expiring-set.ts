/**
 * What an endpoint was found not to offer (an RPC method, txindex, prevouts in `getblock 3`),
 * remembered for `ttlMs` only: a node restarted with the option, or upgraded, is probed again
 * instead of being routed around for the life of the process.
 */
export const CAPABILITY_RECHECK_MS = 10 * 60_000;

export class ExpiringSet {
  private readonly until = new Map<string, number>();
  constructor(
    private readonly ttlMs: number = CAPABILITY_RECHECK_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Found missing within the last `ttlMs`. */
  has(item: string): boolean {
    const until = this.until.get(item);
    if (until === undefined) return false;
    if (this.now() < until) return true;
    this.until.delete(item);
    return false;
  }

  /** Found missing now (again): remembered for another `ttlMs`. */
  add(item: string): this {
    this.until.set(item, this.now() + this.ttlMs);
    return this;
  }

  delete(item: string): boolean {
    return this.until.delete(item);
  }
}
