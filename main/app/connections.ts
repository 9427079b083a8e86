import type { Connection, Ferry } from '../core/ferry';

/** The window's connections: one per account, opened on first use and shared by all its work. */
export class AccountConnections {
  private readonly open = new Map<string, Promise<Connection>>();

  constructor(private readonly ferry: Ferry) {}

  get(account: string): Promise<Connection> {
    let c = this.open.get(account);
    if (!c) {
      c = this.ferry.connect({ account }, { concurrency: 4 });
      this.open.set(account, c);
      c.catch(() => this.open.delete(account));
    }
    return c;
  }

  /** New work on the account gets a new connection; uploads running on the old one finish on it. */
  forget(account: string): void {
    const c = this.open.get(account);
    this.open.delete(account);
    void c?.then((conn) => conn.retire(), () => {});
  }

  /** Closes every connection (the app is quitting). */
  closeAll(): void {
    for (const c of this.open.values()) void c.then((conn) => conn.close(), () => {});
    this.open.clear();
  }
}
