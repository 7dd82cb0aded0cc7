// The accounts the app manages, kept in <DATA_DIR>/accounts.json (labels and names only, never a token).
// The built-in `default` account is always there and never stored.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { appError } from '../errors/index.js';
import { DEFAULT_ACCOUNT, labelProblem } from './names.js';

export interface AccountEntry {
  label: string;
  /** Whose account it is, as the admin wrote it ("Alice"); shown beside the label. */
  person?: string;
  addedAt?: string;
}

const MAX_PERSON = 80;

/** A person's name as shown: one line, trimmed, bounded. */
export function cleanPerson(person: string | undefined): string | undefined {
  // Control characters (a pasted newline, an escape sequence) become spaces: the name is shown on one line.
  const p = [...(person ?? '')]
    .map((ch) => (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f ? ' ' : ch))
    .join('')
    .trim()
    .slice(0, MAX_PERSON);
  return p ? p : undefined;
}

export class AccountRegistry {
  private readonly file: string;
  private entries: AccountEntry[];

  constructor(
    private readonly dataDir: string,
    private readonly now: () => number = Date.now,
  ) {
    this.file = path.join(dataDir, 'accounts.json');
    this.entries = this.load();
  }

  private load(): AccountEntry[] {
    if (!existsSync(this.file)) return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch {
      throw new Error(
        `${this.file} is not valid JSON: fix or remove it (it lists the accounts' labels only).`,
      );
    }
    const list = (parsed as { accounts?: unknown })?.accounts;
    if (!Array.isArray(list)) return [];
    const out: AccountEntry[] = [];
    for (const raw of list) {
      const label = (raw as AccountEntry)?.label;
      // A label edited by hand into something the rule refuses is skipped, not trusted into SQL names.
      if (typeof label !== 'string' || labelProblem(label) || out.some((e) => e.label === label)) continue;
      out.push({
        label,
        person: cleanPerson(typeof raw.person === 'string' ? raw.person : undefined),
        addedAt: typeof raw.addedAt === 'string' ? raw.addedAt : undefined,
      });
    }
    return out;
  }

  private save(): void {
    mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ accounts: this.entries }, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.file);
  }

  /** Every account, `default` first, then in the order they were added. */
  list(): AccountEntry[] {
    return [{ label: DEFAULT_ACCOUNT }, ...this.entries];
  }

  get(label: string): AccountEntry | undefined {
    return this.list().find((e) => e.label === label);
  }

  add(label: string, person?: string): AccountEntry {
    const problem = labelProblem(label);
    if (label === DEFAULT_ACCOUNT || this.get(label)) throw appError('account_exists', { label });
    if (problem) throw appError('account_label_invalid', { label: label.slice(0, 40), problem });
    const entry: AccountEntry = {
      label,
      person: cleanPerson(person),
      addedAt: new Date(this.now()).toISOString(),
    };
    this.entries.push(entry);
    this.save();
    return entry;
  }

  remove(label: string): boolean {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.label !== label);
    if (this.entries.length === before) return false;
    this.save();
    return true;
  }
}
