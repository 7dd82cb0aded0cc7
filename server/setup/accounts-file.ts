// STAND-IN for server/accounts/registry.ts (the lead's AccountRegistry), with the same file and interface
// (/work ACCOUNTS.md): `<DATA_DIR>/accounts.json`, `{ "accounts": [{ "label", "person", "addedAt" }] }`, no
// tokens, mode 0600. The setup page and `npm run sql` read registered labels through it until the registry
// lands; then `new AccountRegistry(dataDir)` replaces `new AccountsFile(dataDir)` and this file goes.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_ACCOUNT, labelProblem } from '../accounts/names.js';
import { appError } from '../errors/index.js';

export interface AccountEntry {
  label: string;
  person?: string;
  addedAt?: string;
}

/** What the setup page and `npm run sql` need of the registry. */
export interface AccountDirectory {
  /** Every account, `default` first. */
  list(): AccountEntry[];
  /** Registers a new account; throws an AppError for a bad or taken label. */
  add(label: string, person?: string): AccountEntry;
}

const FILE = 'accounts.json';

export class AccountsFile implements AccountDirectory {
  constructor(
    private readonly dataDir: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private read(): AccountEntry[] {
    let text: string;
    try {
      text = readFileSync(path.join(this.dataDir, FILE), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const parsed = JSON.parse(text) as { accounts?: unknown };
    const list = Array.isArray(parsed.accounts) ? parsed.accounts : [];
    return list.filter(
      (a): a is AccountEntry =>
        typeof a === 'object' && a !== null && typeof (a as AccountEntry).label === 'string',
    );
  }

  list(): AccountEntry[] {
    const others = this.read().filter((a) => a.label !== DEFAULT_ACCOUNT && !labelProblem(a.label));
    return [{ label: DEFAULT_ACCOUNT }, ...others];
  }

  add(label: string, person?: string): AccountEntry {
    const problem = labelProblem(label);
    if (problem) throw appError('account_label_invalid', { label: label.slice(0, 40), problem });
    const all = this.read();
    if (all.some((a) => a.label === label)) throw appError('account_exists', { label });
    const entry: AccountEntry = { label, ...(person ? { person } : {}), addedAt: this.now().toISOString() };
    mkdirSync(this.dataDir, { recursive: true });
    const file = path.join(this.dataDir, FILE);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ accounts: [...all, entry] }, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, file);
    return entry;
  }
}
