// The shape of one catalog entry, and what the entries share (placeholders, small text helpers).

/** How the docs group the codes. */
export type ErrorGroup = 'sign-in' | 'provider' | 'snowflake' | 'accounts' | 'guard';

export type Text<P> = string | ((p: P) => string);

/** A situation the docs show: the params filled with readable placeholders such as `<provider>`. */
export interface ErrorExample<P> {
  /** What tells this situation apart from the code's others (one line). */
  label?: string;
  /** The status as the docs state it, when it depends on the request ("404, or 405 for …"). */
  status?: string;
  params: P;
}

export interface Entry<P> {
  group: ErrorGroup;
  /** One line for the docs: when you see this. */
  when: string;
  status: number | ((p: P) => number);
  title: Text<P>;
  why: Text<P>;
  /** The exact fix: a setting to change, or SQL to run (`fixSql`, shown as a code block). */
  fix: Text<P>;
  fixSql?: (p: P) => string | undefined;
  /** Offer to start the flow again (a link to /connect). */
  retryConnect?: boolean | ((p: P) => boolean);
  /** Needed whenever a text takes params: one per situation worth telling apart in the docs. */
  examples?: readonly ErrorExample<P>[];
}

type NoParams = Record<never, never>;

/** Declares an entry; P is the params its texts take (none by default). */
export function entry<P = NoParams>(e: Entry<P>): Entry<P> {
  return e;
}

/** ": detail" when there is one. */
export const detailOf = (d: string | undefined, sep = ': ') => (d ? `${sep}${d}` : '');

// Placeholders the docs use where a page shows the real value.
export const PROVIDER = '<provider>';
export const STEP = '<what the app was doing>';
export const REDIRECT_URI = '<redirect URI>';
