// The engine's clock: the base clock (the real one, or the `now` option) plus an offset that tests move
// (POST /sandbox/clock). CURRENT_DATE, secrets' expiries and tasks' schedules follow it; sign-in and
// sessions keep the base clock, because the app signs its key-pair JWTs with the real time and a
// keep-alive connection outlives a simulated day.
export class SandboxClock {
  private offsetMs = 0;

  constructor(private readonly base: () => Date = () => new Date()) {}

  now(): Date {
    return new Date(this.base().getTime() + this.offsetMs);
  }

  get offset(): number {
    return this.offsetMs;
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }

  set(at: Date): void {
    this.offsetMs = at.getTime() - this.base().getTime();
  }

  reset(): void {
    this.offsetMs = 0;
  }
}
