// What one isolate keeps between requests: a map bounded by entry count and approximate bytes, least recently
// used out first, every entry with its own expiry. Only for values that cannot go stale while held (immutable
// under their key) or whose holding time is the bound a rule allows (the principal cache's few seconds).

interface Held<V> {
  value: V;
  bytes: number;
  expiresAt: number;
}

export class IsolateMemory<V> {
  private readonly held = new Map<string, Held<V>>();
  private bytes = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes = Number.POSITIVE_INFINITY,
  ) {}

  get(key: string, now = Date.now()): V | undefined {
    const entry = this.held.get(key);
    if (!entry) return undefined;
    this.held.delete(key);
    if (entry.expiresAt <= now) {
      this.bytes -= entry.bytes;
      return undefined;
    }
    this.held.set(key, entry); // most recently used goes last
    return entry.value;
  }

  set(key: string, value: V, ttlMs: number, bytes = 0, now = Date.now()): void {
    if (ttlMs <= 0 || bytes > this.maxBytes / 4) return; // one value never takes over the memory
    this.delete(key);
    this.held.set(key, { value, bytes, expiresAt: now + ttlMs });
    this.bytes += bytes;
    for (const [k, e] of this.held) {
      if (this.held.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.held.delete(k);
      this.bytes -= e.bytes;
    }
  }

  delete(key: string): void {
    const entry = this.held.get(key);
    if (!entry) return;
    this.held.delete(key);
    this.bytes -= entry.bytes;
  }

  /** Drops every key the predicate picks (e.g. all principals of one user). */
  deleteWhere(pick: (key: string) => boolean): void {
    for (const key of [...this.held.keys()]) if (pick(key)) this.delete(key);
  }

  clear(): void {
    this.held.clear();
    this.bytes = 0;
  }

  get size(): number {
    return this.held.size;
  }
}
