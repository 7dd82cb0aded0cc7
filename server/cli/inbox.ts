// What reaches the command while it waits, in arrival order: lines typed or pasted in the terminal, the
// end of that input, callbacks the browser brought to the command's own listener, and the end of a
// sign-in's time. One queue, so a
// paste and a callback arriving together are handled one after the other, never at once.

export type InboxItem =
  | { kind: 'line'; text: string }
  | { kind: 'eof' }
  | { kind: 'callback'; address: string }
  /** The newest sign-in's time ran out (FLOW_TTL, 10 minutes) with no answer. */
  | { kind: 'expired'; state: string };

type Accept = (item: InboxItem) => boolean;

const EOF: InboxItem = { kind: 'eof' };

export class Inbox {
  private readonly items: InboxItem[] = [];
  private waiting?: { accept: Accept; resolve: (item: InboxItem) => void };
  private ended = false;

  push(item: InboxItem): void {
    if (item.kind === 'eof') {
      // The end of the input is not queued: once there, it stays (see next).
      this.ended = true;
      if (this.waiting?.accept(EOF) && !this.items.some(this.waiting.accept)) this.deliver(EOF);
      return;
    }
    if (this.waiting?.accept(item)) this.deliver(item);
    else this.items.push(item);
  }

  private deliver(item: InboxItem): void {
    const w = this.waiting!;
    this.waiting = undefined;
    w.resolve(item);
  }

  /** True once the terminal's input ended: no line will come any more. */
  get inputEnded(): boolean {
    return this.ended;
  }

  /**
   * The next item `accept` takes, as soon as there is one (others stay queued). Once the input ended and
   * nothing accepted is queued, that is the end of the input, every time it is asked.
   */
  next(accept: Accept = () => true): Promise<InboxItem> {
    const i = this.items.findIndex(accept);
    if (i >= 0) return Promise.resolve(this.items.splice(i, 1)[0]!);
    if (this.ended && accept(EOF)) return Promise.resolve(EOF);
    return new Promise((resolve) => {
      this.waiting = { accept, resolve };
    });
  }
}
