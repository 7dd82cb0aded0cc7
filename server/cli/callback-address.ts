// Reads the address a person pasted back (the page their browser could not load after Allow) and checks
// it before the sign-in sees it: the redirect URI it goes to, and whether it is whole and answers a
// sign-in this run started. A refusal here uses nothing: the sign-in stays open for another paste. The
// one-use rule is not decided here but by the sign-in's own store (PendingFlows.take, in ConnectFlow).
import { type AppError, appError } from '../errors/index.js';

/** The callback's parameters the flow reads (as the web route passes them), one value each. */
export type CallbackQuery = Record<string, string>;

export type AddressCheck = { ok: true; state: string; query: CallbackQuery } | { ok: false; error: AppError };

export interface AddressRules {
  /** OAUTH_REDIRECT_URI, in normal form (config insists). */
  redirectUri: string;
  /** The states this run issued, oldest first. */
  issued: readonly string[];
  /** The parameters the callback route reads; others are dropped, as there. */
  params: readonly string[];
  /** What the provider's redirect always puts after `code` (its profile's callbackParamsAfterCode). */
  afterCode?: readonly string[];
}

// Bracketed-paste markers some terminals wrap a paste in, and quotes or angle brackets people copy along.
// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC begins the terminal's paste markers.
const PASTE_NOISE = /\x1b\[20[01]~/g;

/** The pasted text as an address: trimmed, without the wrapping a copy often brings along. */
export function cleanPaste(text: string): string {
  let t = text.replace(PASTE_NOISE, '').trim();
  const wrapped = /^(["'<])(.*)(["'>])$/.exec(t);
  if (wrapped && ({ '"': '"', "'": "'", '<': '>' } as Record<string, string>)[wrapped[1]!] === wrapped[3])
    t = wrapped[2]!.trim();
  return t;
}

/** scheme://host:port/path of an address: where it goes, without the sign-in's answer. */
function target(u: URL): string {
  return `${u.protocol}//${u.host}${u.pathname}`;
}

export function checkCallbackAddress(text: string, rules: AddressRules): AddressCheck {
  const { redirectUri } = rules;
  const expected = new URL(redirectUri);
  let pasted = cleanPaste(text);
  // Browsers often hide the scheme in the address bar; a copy still has it, a retyped one may not.
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(pasted) && pasted.toLowerCase().startsWith(expected.host))
    pasted = `${expected.protocol}//${pasted}`;
  const refuse = (error: AppError): AddressCheck => ({ ok: false, error });
  const cutOff = (
    variant: 'no_query' | 'no_state' | 'short_state' | 'no_code' | 'short_code' | 'partial_address',
  ) => refuse(appError('cli_callback_cut_off', { variant, redirectUri }));
  let u: URL;
  try {
    u = new URL(pasted);
  } catch {
    return refuse(appError('cli_callback_not_an_address', { redirectUri }));
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    return refuse(appError('cli_callback_not_an_address', { redirectUri }));
  if (target(u) !== target(expected)) {
    // `http://localhost:87`: the beginning of the redirect URI, cut before its end.
    if (!u.search && redirectUri.startsWith(pasted) && pasted.length < redirectUri.length)
      return cutOff('partial_address');
    return refuse(appError('cli_callback_other_redirect', { got: target(u), expected: redirectUri }));
  }
  if (!u.search || u.search === '?') return cutOff('no_query');

  const query: CallbackQuery = {};
  for (const name of rules.params) {
    const values = u.searchParams.getAll(name);
    if (values.length > 1) return refuse(appError('bad_request', { variant: 'repeated_param', name }));
    if (values.length === 1) query[name] = values[0]!;
  }
  const state = query.state;
  if (!state) return cutOff('no_state');
  if (!rules.issued.includes(state)) {
    // Every state this command issues has the same length: a shorter one lost its end.
    const full = rules.issued.at(-1)?.length ?? 0;
    if (state.length < full) return cutOff('short_state');
    return refuse(appError('cli_callback_other_attempt'));
  }
  // An error instead of a code (Deny, or the provider refusing) is the flow's to tell, as on the web.
  if (!query.code && !query.error) return cutOff('no_code');
  // The code itself cut short would spend the sign-in on a failed exchange: the provider's redirect always
  // ends with parameters after the code, so their absence says the paste lost its end.
  if (query.code && (rules.afterCode ?? []).some((name) => query[name] === undefined))
    return cutOff('short_code');
  return { ok: true, state, query };
}
