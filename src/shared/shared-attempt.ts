/**
 * Runs a task on demand: callers that come while it runs share that one attempt, a success is kept for
 * every later caller, a failure is forgotten so that the next caller tries again.
 */
export class SharedAttempt<T> {
  private current: Promise<T> | undefined;

  constructor(private readonly task: () => Promise<T>) {}

  get(): Promise<T> {
    if (this.current === undefined) {
      const attempt = Promise.resolve().then(() => this.task());
      this.current = attempt;
      attempt.catch(() => {
        if (this.current === attempt) this.current = undefined;
      });
    }
    return this.current;
  }

  /** The last attempt, settled, without starting one (for shutdown). */
  async settled(): Promise<void> {
    await this.current?.catch(() => undefined);
  }
}
