// `npm run connect`: the web's sign-in from a terminal. It starts the same ConnectFlow the Connect button
// starts, gets the provider's answer back (pasted by the person, or brought by the browser to the
// command's own listener on the redirect URI), checks that address, and hands it to the same
// ConnectFlow.finish. Everything after that (exchange, checks, write, the end-to-end check, custody of
// a token that could not be written, the history) is the flow's, as on the web; this only asks what the
// result page's buttons ask (Retry saving, Write this account's token, Cancel) and prints what it says.
import { randomBytes } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { type Clock, systemClock } from '../clock.js';
import { type AppError, appError, toAppError } from '../errors/index.js';
import type { ConnectFlow, Outcome, Written } from '../oauth/flow.js';
import { checkCallbackAddress } from './callback-address.js';
import { Inbox, type InboxItem } from './inbox.js';
import { listenOnRedirect, type RedirectListener } from './loopback.js';
import { cancelledText, checkedText, errorLines, heldText, stageText, writtenText } from './print.js';
import { readTerminal } from './terminal-input.js';

/** 0: connected and the check passed; 1: written, but the check failed or is pending; 2: nothing written. */
export const EXIT = { connected: 0, written: 1, nothing: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface ConnectRunOptions {
  flow: ConnectFlow;
  /** OAUTH_REDIRECT_URI. */
  redirectUri: string;
  /** The provider's name, as pages say it. */
  provider: string;
  /** The provider's redirect always carries these after `code` (a paste without them was cut short). */
  callbackParamsAfterCode?: readonly string[];
  /** The secret the account's token goes into, for the instructions. */
  secret: string;
  /** The callback's parameters the web route reads (routes/connect.ts). */
  callbackParams: readonly string[];
  /** paste: print the address and read the answer from the terminal; browser: open it and listen too. */
  mode: 'paste' | 'browser';
  input: Readable;
  output: Writable;
  /** Read the input as a terminal (raw mode); default: whether it is one. */
  terminal?: boolean;
  /** Opens an address in the system browser (browser mode). */
  openBrowser?: (url: string) => void;
  /** Aborted on Ctrl-C / SIGTERM when they reach the process rather than the terminal's reader. */
  signal?: AbortSignal;
  /** Starts the stop of the sign-ins (Services.stopSignIns): called once, on the first interrupt. */
  stopSignIns?: () => Promise<void>;
  /** Tests: told the listener's port once it listens (browser mode). */
  onListening?: (port: number) => void;
  /** How long a sign-in waits for its answer (config.flowTtlMs), on the app's clock. */
  flowTtlMs: number;
  clock?: Clock;
}

const ADDRESS_PROMPT = 'Paste the whole address here (Ctrl-C to stop): ';

export async function runConnect(o: ConnectRunOptions): Promise<ExitCode> {
  const write = (s: string) => void o.output.write(s);
  const inbox = new Inbox();
  let stopping = false;
  let onStop!: () => void;
  const stopped = new Promise<'stopped'>((resolve) => {
    onStop = () => resolve('stopped');
  });
  const interrupt = () => {
    if (stopping) return;
    stopping = true;
    write('\nStopping…\n');
    onStop();
    // Sign-in steps under way finish or are given up on, each token ending written, revoked or forgotten.
    void o.stopSignIns?.();
  };
  o.signal?.addEventListener('abort', interrupt, { once: true });
  if (o.signal?.aborted) interrupt();
  const terminal = readTerminal(o.input, o.output, inbox, interrupt, o.terminal);
  let listener: RedirectListener | undefined;
  try {
    if (o.mode === 'browser') {
      try {
        listener = await listenOnRedirect(o.redirectUri, (address) =>
          inbox.push({ kind: 'callback', address }),
        );
      } catch (e) {
        write(errorLines(toAppError(e)));
        return EXIT.nothing;
      }
      o.onListening?.(listener.port);
    }
    return await new SignIn(o, inbox, stopped, () => stopping, write).run();
  } finally {
    o.signal?.removeEventListener('abort', interrupt);
    terminal.close();
    await listener?.close();
  }
}

/** One run's sign-ins: the attempts it started, the answers it handed over, and what the result page asks. */
class SignIn {
  // This run is the "browser" of its sign-ins: its own random id, as a browser's cookie is on the web.
  private readonly browserId = randomBytes(18).toString('base64url');
  /** The states of the sign-ins this run started, oldest first. */
  private readonly issued: string[] = [];
  /** The states whose answer went to the flow (which takes each sign-in once). */
  private readonly handed = new Set<string>();
  private cancelTimer = () => {};

  constructor(
    private readonly o: ConnectRunOptions,
    private readonly inbox: Inbox,
    private readonly stopped: Promise<'stopped'>,
    private readonly isStopping: () => boolean,
    private readonly write: (s: string) => void,
  ) {}

  async run(): Promise<ExitCode> {
    await this.startAttempt(false);
    try {
      return await this.untilAnswered();
    } finally {
      this.cancelTimer();
    }
  }

  private async startAttempt(again: boolean): Promise<void> {
    const { o } = this;
    const url = await o.flow.start(this.browserId, 'connect');
    const state = url.searchParams.get('state') ?? '';
    this.issued.push(state);
    // The sign-in's store forgets it after this long: waiting longer cannot end in a connect.
    this.cancelTimer();
    this.cancelTimer = (o.clock ?? systemClock).setTimer(
      () => this.inbox.push({ kind: 'expired', state }),
      o.flowTtlMs,
    );
    this.write(instructions(o, url.href, again));
    if (o.mode === 'browser' && !again) o.openBrowser?.(url.href);
    this.waitAgain();
  }

  private waitAgain(): void {
    this.write(this.o.mode === 'paste' ? ADDRESS_PROMPT : 'Waiting for the browser (or a pasted address).\n');
  }

  private stoppedExit(): ExitCode {
    this.write(errorLines(appError('cli_input_ended', { variant: 'interrupted' })));
    return EXIT.nothing;
  }

  /** Reads answers until one is handed to the flow and gives an outcome, or there can be none. */
  private async untilAnswered(): Promise<ExitCode> {
    const { o, inbox, issued, handed, write } = this;
    // After the end of the input only callbacks can come (browser mode); in paste mode it ends the wait.
    const wanted = (item: InboxItem) => item.kind !== 'eof' || o.mode === 'paste';
    for (;;) {
      const item = await Promise.race([inbox.next(wanted), this.stopped]);
      if (item === 'stopped') return this.stoppedExit();
      if (item.kind === 'expired') {
        // Only the newest sign-in's end counts, and only while it still waits for its answer.
        if (item.state !== issued.at(-1) || handed.has(item.state)) continue;
        write(`\n${errorLines(appError('state_expired'))}`);
        return EXIT.nothing;
      }
      if (item.kind === 'eof') {
        write(`\n${errorLines(appError('cli_input_ended', { variant: 'no_paste' }))}`);
        return EXIT.nothing;
      }
      const text = item.kind === 'line' ? item.text : item.address;
      if (!text.trim()) {
        if (o.mode === 'paste') write(ADDRESS_PROMPT);
        continue;
      }
      if (item.kind === 'callback') write('\nThe browser came back with the sign-in’s answer.\n');
      const checked = checkCallbackAddress(text, {
        redirectUri: o.redirectUri,
        issued,
        params: o.callbackParams,
        afterCode: o.callbackParamsAfterCode,
      });
      if (!checked.ok) {
        write(`\n${errorLines(checked.error)}\n`);
        this.waitAgain();
        continue;
      }
      const usedBefore = handed.has(checked.state);
      handed.add(checked.state);
      write('Finishing the sign-in…\n');
      let outcome: Outcome;
      try {
        outcome = await o.flow.finish(checked.query, this.browserId);
      } catch (e) {
        let err: AppError = toAppError(e);
        // The sign-in's store refused it (one use); this run knows why: it handed that answer over before.
        if (usedBefore && err.code === 'state_expired') err = appError('cli_callback_reused');
        write(`\n${errorLines(err)}\n`);
        if (this.isStopping() || err.code === 'app_stopping') return EXIT.nothing;
        // The newest sign-in has had its answer: a new one, so the person can try again without a restart.
        if (handed.has(issued.at(-1)!)) await this.startAttempt(true);
        else this.waitAgain();
        continue;
      }
      this.cancelTimer();
      return this.settle(outcome);
    }
  }

  /** The result page's part: a written token's check as it runs, or the questions a held token asks. */
  private async settle(first: Outcome): Promise<ExitCode> {
    const { o, write } = this;
    let outcome = first;
    for (;;) {
      if (outcome.kind === 'written') return followCheck(outcome, write);
      write(`\n${heldText(outcome, o.provider)}`);
      if (this.isStopping()) return this.stoppedExit();
      const replace = outcome.reason === 'confirm_switch';
      const yes = await this.askYesNo(replace ? 'Replace? [y/N] ' : 'Retry saving? [Y/n] ', !replace);
      // The stop disposes of the held token (Services.shutdown drains the held store).
      if (yes === 'stopped') return this.stoppedExit();
      try {
        if (yes) {
          write(replace ? 'Writing this account’s token…\n' : 'Saving again…\n');
          outcome = await o.flow.retryHeld(outcome.heldId, this.browserId);
          continue;
        }
        await o.flow.cancelHeld(outcome.heldId, this.browserId);
        write(cancelledText(outcome, o.provider));
      } catch (e) {
        write(errorLines(toAppError(e)));
      }
      return EXIT.nothing;
    }
  }

  /** y / n / Enter for the default; the end of the input answers no (nobody is there to say yes). */
  private async askYesNo(question: string, byDefault: boolean): Promise<boolean | 'stopped'> {
    this.write(question);
    for (;;) {
      const item = await Promise.race([
        this.inbox.next((i) => i.kind === 'line' || i.kind === 'eof'),
        this.stopped,
      ]);
      if (item === 'stopped') return item;
      if (item.kind === 'eof') {
        this.write('no (the input ended)\n');
        return false;
      }
      if (item.kind !== 'line') continue;
      const a = item.text.trim().toLowerCase();
      if (a === '') return byDefault;
      if (a === 'y' || a === 'yes') return true;
      if (a === 'n' || a === 'no') return false;
      this.write('Please answer y or n: ');
    }
  }
}

/** Prints each stage of the check as it is reached, then the verdict; the exit code says which. */
async function followCheck(w: Written, write: (s: string) => void): Promise<ExitCode> {
  write(`\n${writtenText(w)}`);
  const { progress } = w;
  for (const s of progress.stages) write(stageText(s));
  const unsubscribe = progress.subscribe((e) => {
    if ('stage' in e) write(stageText(e.stage));
  });
  await progress.ended;
  unsubscribe();
  const end = progress.end!;
  if (end.kind === 'error') {
    write(`\n${errorLines(end.error)}`);
    return EXIT.written;
  }
  write(`\n${checkedText(end.result)}`);
  const c = end.result;
  return c.kind === 'connected' && c.check.ok && !c.supersededBy ? EXIT.connected : EXIT.written;
}

function instructions(o: ConnectRunOptions, url: string, again: boolean): string {
  const address = `\n    ${url}\n\n`;
  if (again)
    return (
      'Start again: open this new sign-in address, choose Allow, and ' +
      (o.mode === 'paste'
        ? 'paste the address it leads to.'
        : 'the browser comes back here (or paste the address it leads to).') +
      address
    );
  const after = `${o.redirectUri}?state=…`;
  if (o.mode === 'paste')
    return (
      `Connect ${o.provider} to Snowflake (the token goes into ${o.secret}).\n\n` +
      `1. Open this address in a browser on any computer:\n${address}` +
      `2. Sign in and choose Allow. The browser then goes to ${after} and says the page cannot be\n` +
      '   reached: that is expected, the app is not listening there.\n' +
      '3. Copy the whole address from the browser’s address bar and paste it here.\n\n'
    );
  return (
    `Connect ${o.provider} to Snowflake (the token goes into ${o.secret}).\n\n` +
    `Opening the sign-in page in your browser. If it does not open, open this address:\n${address}` +
    `After Allow, the browser comes back to ${o.redirectUri} and this command takes it from there.\n` +
    'If your browser is on another computer, that page will not load: copy its whole address and paste it\n' +
    'here. Ctrl-C stops.\n'
  );
}
