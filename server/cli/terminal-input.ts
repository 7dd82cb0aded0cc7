// The terminal's input, line by line, into the command's inbox. At a terminal readline reads in raw mode:
// a pasted address of any length arrives whole (a cooked terminal cuts lines at 4095 bytes), and Ctrl-C
// reaches readline rather than the process, so it is passed on as an interrupt.
import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Inbox } from './inbox.js';

export interface TerminalInput {
  /** Stops reading (the terminal goes back to how it was). */
  close(): void;
}

export function readTerminal(
  input: Readable,
  output: Writable,
  inbox: Inbox,
  onInterrupt: () => void,
  terminal = (input as { isTTY?: boolean }).isTTY === true,
): TerminalInput {
  const rl: Interface = createInterface({ input, output, terminal, crlfDelay: Number.POSITIVE_INFINITY });
  let closing = false;
  rl.on('line', (text) => inbox.push({ kind: 'line', text }));
  rl.on('close', () => {
    if (!closing) inbox.push({ kind: 'eof' });
  });
  rl.on('SIGINT', onInterrupt);
  return {
    close() {
      closing = true;
      rl.close();
    },
  };
}
