/** Prints a readable, time-stamped devnet timeline (to stderr under --json so stdout stays parseable). */
export class Timeline {
  private readonly t0 = Date.now();
  readonly marks = new Map<string, number>();
  constructor(private readonly out: NodeJS.WritableStream) {}

  /** Milliseconds since the devnet started. */
  elapsed(): number {
    return Date.now() - this.t0;
  }

  /** Remember when something happened (for timings). */
  mark(name: string, at = Date.now()): number {
    if (!this.marks.has(name)) this.marks.set(name, at);
    return this.marks.get(name)!;
  }

  /** ms between two marks, or null when either is missing. */
  between(a: string, b: string): number | null {
    const x = this.marks.get(a);
    const y = this.marks.get(b);
    return x === undefined || y === undefined ? null : y - x;
  }

  /** One event line: `  +12.34s  who       what`. */
  event(who: string, what: string): void {
    const s = (this.elapsed() / 1000).toFixed(2).padStart(7);
    this.out.write(`  +${s}s  ${who.padEnd(10)} ${what}\n`);
  }

  /** A section header. */
  phase(title: string): void {
    this.out.write(`\n== ${title}\n`);
  }

  /** A free-form line. */
  note(text: string): void {
    this.out.write(`${text}\n`);
  }
}
