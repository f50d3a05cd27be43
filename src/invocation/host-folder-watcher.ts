import { watch, type FSWatcher } from 'node:fs';

/** The environments that run code from one folder: their function and version. */
export interface FolderUser {
  functionName: string;
  version: string;
}

/** How long a burst of file events (an editor's save, a build) settles before the environments are retired. */
const SETTLE_MS = 100;

/**
 * Hot reload: watches the host folders environments run code from (recursively) and, once a change has
 * settled, tells `onChange` which functions' environments run that code (it retires them: the next invoke
 * starts with the new code, while functions whose code did not change stay warm). A folder this process
 * cannot see (another host's, or one not mounted into a containerised worker) is reported and not watched.
 */
export class HostFolderWatcher {
  private readonly folders = new Map<string, { watcher: FSWatcher | undefined; users: Map<string, FolderUser>; timer?: NodeJS.Timeout }>();

  constructor(
    private readonly onChange: (users: FolderUser[]) => void,
    private readonly onError: (error: unknown, folder: string) => void,
  ) {}

  /** Starts watching `folder` (once) for `user`. */
  watch(folder: string, user: FolderUser): void {
    let entry = this.folders.get(folder);
    if (entry === undefined) {
      entry = { watcher: undefined, users: new Map() };
      this.folders.set(folder, entry);
      const current = entry;
      try {
        current.watcher = watch(folder, { recursive: true, persistent: false }, () => this.changed(folder));
        current.watcher.on('error', (error) => this.onError(error, folder));
      } catch (error) {
        this.onError(error, folder);
      }
    }
    entry.users.set(`${user.functionName}\u0000${user.version}`, user);
  }

  private changed(folder: string): void {
    const entry = this.folders.get(folder);
    if (entry === undefined) return;
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => this.onChange([...entry.users.values()]), SETTLE_MS);
    entry.timer.unref();
  }

  close(): void {
    for (const entry of this.folders.values()) {
      clearTimeout(entry.timer);
      entry.watcher?.close();
    }
    this.folders.clear();
  }
}
