import { describe, expect, it } from 'vitest';
import { getExternalExtensionNames, getLauncherScript } from './extension-launcher.js';

describe('the extension launcher', () => {
  it('names the executable files of /opt/extensions, sorted as the shell globs them', () => {
    const entries = [
      { name: 'zeta', isFile: true, mode: 0o100755 },
      { name: 'alpha', isFile: true, mode: 0o100700 },
      { name: 'notes.txt', isFile: true, mode: 0o100644 },
      { name: 'lib', isFile: false, mode: 0o40755 },
      { name: '.hidden', isFile: true, mode: 0o100755 },
    ];
    expect(getExternalExtensionNames(entries, false)).toEqual(['alpha', 'zeta']);
    expect(getExternalExtensionNames(entries, true)).toEqual([]);
  });

  it('redirects everything to the output pipe first and execs the runtime when there is nothing to start', () => {
    const lines = getLauncherScript('/var/lambdock/output').split('\n');
    expect(lines[0]).toBe('exec >/var/lambdock/output 2>&1');
    expect(lines).toContain('[ -n "$started" ] || exec "$0" "$@"');
    expect(lines.join('\n')).toContain('[ ! -e /opt/disable-extensions-jwigqn8j ]');
    expect(lines.join('\n')).toContain('unset AWS_EXECUTION_ENV AWS_LAMBDA_LOG_GROUP_NAME AWS_LAMBDA_LOG_STREAM_NAME LAMBDA_RUNTIME_DIR LAMBDA_TASK_ROOT _HANDLER');
  });
});
