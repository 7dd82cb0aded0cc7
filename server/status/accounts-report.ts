// Every account at a glance: for the status page's account list, /status.json and `npm run status`. Each
// row comes from that account's own report (its secret, its checks, its history), so one account's
// broken token never colours another's row; the worst verdict is what a monitor acts on.
import { accountObjectsReady } from './checks/account-ready.js';
import { exitCodeFor, type Overall, type StatusReport, type StatusService } from './service.js';

export interface AccountRow {
  label: string;
  person: string | null;
  secret: string;
  overall: Overall;
  exitCode: 0 | 1 | 2;
  /** The account's own objects are there (its secret, allowed by the integration, read by its function). */
  ready: boolean;
  /** What Snowflake does not show yet, when not ready. */
  missing: string[];
  lastConnect: { at: string; userId: string | null; email: string | null } | null;
  lastCheck: { at: string; ok: boolean } | null;
  proofText: string;
}

export interface AccountsView {
  accounts: AccountRow[];
  /**
   * The worst verdict over the accounts that count (what `npm run status` exits by): those connected at
   * least once, or every account when none ever was. An account nobody connected yet (the default in a
   * study, a person still to invite) is not a broken chain: its own line says `not_connected`.
   */
  worst: Overall;
}

/** Worse verdicts first when sorted: broken (2), then needs attention (1), then connected (0). */
const RANK: Record<Overall, number> = {
  error: 8,
  misconfigured: 7,
  needs_reauth: 6,
  cached_token: 5,
  warning: 4,
  unproven: 3,
  not_connected: 2,
  connected: 0,
};

function worstOf(overalls: Overall[]): Overall {
  return overalls.reduce<Overall>((w, o) => (RANK[o] > RANK[w] ? o : w), 'connected');
}

/** The rows whose verdict counts for the worst (see AccountsView.worst). */
export function countedRows<R extends { lastConnect: unknown }>(rows: readonly R[]): R[] {
  const connected = rows.filter((r) => r.lastConnect);
  return connected.length ? connected : [...rows];
}

type Reportable = Pick<StatusService, 'report'>;

/** One account's row from its report. An account added but not set up yet is "not connected", not broken. */
function accountRow(
  label: string,
  person: string | undefined,
  report: Omit<StatusReport, 'chart'>,
): AccountRow {
  const objects = accountObjectsReady(report.checks);
  const missing = objects.problems.map((c) => c.title);
  const ready = objects.ready;
  const overall: Overall = !ready && !report.lastConnect ? 'not_connected' : report.overall;
  return {
    label,
    person: person ?? null,
    secret: report.secret,
    overall,
    exitCode: exitCodeFor(overall),
    ready,
    missing,
    lastConnect: report.lastConnect
      ? {
          at: report.lastConnect.at,
          userId: report.lastConnect.userId ?? null,
          email: report.lastConnect.email,
        }
      : null,
    lastCheck: report.lastCheck ? { at: report.lastCheck.at, ok: report.lastCheck.ok } : null,
    proofText: report.proof.text,
  };
}

/**
 * Every account's row, their reports read side by side (each one's cheap checks, no warehouse).
 * `known` reuses a report already made for this request (the page's own account).
 */
export async function accountsView(
  accounts: { label: string; person?: string; status: Reportable }[],
  known: Map<string, Omit<StatusReport, 'chart'>> = new Map(),
): Promise<AccountsView> {
  const rows = await Promise.all(
    accounts.map(async (a) => accountRow(a.label, a.person, known.get(a.label) ?? (await a.status.report()))),
  );
  return { accounts: rows, worst: worstOf(countedRows(rows).map((r) => r.overall)) };
}
