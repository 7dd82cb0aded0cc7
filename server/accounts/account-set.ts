// The accounts the app manages, each with its own services (built on first use from the registry), so
// that adding an account on the Setup page takes effect without a restart.
import { appError } from '../errors/index.js';
import { DEFAULT_ACCOUNT } from './names.js';
import type { AccountEntry, AccountRegistry } from './registry.js';

export class AccountSet<S extends { label: string }> {
  private readonly built = new Map<string, S>();

  constructor(
    readonly registry: AccountRegistry,
    private readonly build: (entry: AccountEntry) => S,
  ) {}

  /** The account's services, or undefined when the app does not manage that label. */
  get(label: string): S | undefined {
    const have = this.built.get(label);
    if (have) return have;
    const entry = this.registry.get(label);
    if (!entry) return undefined;
    const s = this.build(entry);
    this.built.set(label, s);
    return s;
  }

  /** Like get, but an unknown label is the user's error (a page that says so). */
  require(label: string): S {
    const s = this.get(label);
    if (!s) throw appError('account_unknown', { label: label.slice(0, 40) });
    return s;
  }

  /** Every account, `default` first. */
  all(): S[] {
    return this.registry.list().map((e) => this.get(e.label)!);
  }

  /** Accounts whose services exist already (what a stop must wind down). */
  started(): S[] {
    return [...this.built.values()];
  }

  entry(label: string): AccountEntry | undefined {
    return this.registry.get(label);
  }

  add(label: string, person?: string): S {
    const entry = this.registry.add(label, person);
    return this.get(entry.label)!;
  }

  /**
   * Stops managing an added account: `wind` ends its services first (its held tokens disposed of by the
   * rule, its schedule stopped). Its Snowflake objects stay until the admin runs its remove SQL.
   */
  async remove(label: string, wind: (s: S) => Promise<void>): Promise<boolean> {
    if (!this.registry.get(label) || label === DEFAULT_ACCOUNT) return false;
    const s = this.built.get(label);
    if (s) await wind(s);
    this.built.delete(label);
    return this.registry.remove(label);
  }
}
