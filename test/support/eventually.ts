// Waiting for something another process (or a stand-in's log) will show, with no event to listen to.
// The test waits for the condition, never for a duration: the poll interval only spaces the looks,
// and the test's own timeout bounds the wait.
const POLL_MS = 10;

export async function eventually(cond: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await cond())) await new Promise((r) => setTimeout(r, POLL_MS));
}
