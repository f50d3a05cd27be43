/**
 * `work`'s outcome, or the error `expired()` makes when it has not settled within `ms`. The work itself
 * goes on (nothing here can cancel it); only the caller stops waiting for it.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, expired: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(expired()), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** Whether `work` settles (either way) within `ms`; when it does not, it is left to settle on its own. */
export function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  return withDeadline(
    work.then(() => true, () => true),
    ms,
    () => new Error('late'),
  ).catch(() => false);
}
