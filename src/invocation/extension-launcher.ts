import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * The shell script every function container starts with (run by the image's own /bin/sh, dash or bash):
 * it sends all output to the sandbox's pipe (so extensions' lines land in the function's log, as on AWS),
 * starts each executable in /opt/extensions before the runtime, as Lambda does, and runs the runtime.
 *
 * - No extensions (or `/opt/disable-extensions-jwigqn8j`, AWS's switch): `exec` the runtime, nothing in between.
 * - Extensions: the shell stays as the runtime's parent. A runtime that exits on its own ends the
 *   container at once (a crash is a crash: lambdock resets the environment). On SIGTERM (lambdock's
 *   shutdown, after it sent SHUTDOWN to the extensions) the shell passes it to the runtime and then waits
 *   for the extensions to finish too; lambdock removes the container when AWS's grace is over.
 * Extensions do not see the runtime-only variables AWS hides from them (runtimes-extensions-api).
 */
const HIDDEN_FROM_EXTENSIONS = [
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'LAMBDA_RUNTIME_DIR',
  'LAMBDA_TASK_ROOT',
  '_HANDLER',
];

export const EXTENSIONS_DIR = '/opt/extensions';
export const DISABLE_EXTENSIONS_FILE = '/opt/disable-extensions-jwigqn8j';

/** The `sh -c` script; the runtime's command follows it as `$0 "$@"`. */
export function getLauncherScript(outputPath: string): string {
  return [
    `exec >${outputPath} 2>&1`,
    `started=`,
    `if [ -d ${EXTENSIONS_DIR} ] && [ ! -e ${DISABLE_EXTENSIONS_FILE} ]; then`,
    `  for extension in ${EXTENSIONS_DIR}/*; do`,
    `    if [ -f "$extension" ] && [ -x "$extension" ]; then`,
    `      (unset ${HIDDEN_FROM_EXTENSIONS.join(' ')}; exec "$extension") &`,
    `      started=1`,
    `    fi`,
    `  done`,
    `fi`,
    `[ -n "$started" ] || exec "$0" "$@"`,
    `"$0" "$@" &`,
    `runtime=$!`,
    `terminated=`,
    `trap 'terminated=1; kill -TERM "$runtime" 2>/dev/null' TERM`,
    // `wait` returns early when the trap runs: wait again while the runtime lives.
    `while :; do wait "$runtime"; status=$?; kill -0 "$runtime" 2>/dev/null || break; done`,
    `[ -z "$terminated" ] || wait`,
    `exit "$status"`,
  ].join('\n');
}

/** An entry of /opt/extensions as the host sees it. */
export interface ExtensionsDirEntry {
  name: string;
  isFile: boolean;
  mode: number;
}

/**
 * The external extensions a container starts, by file name (the name each must register with): the
 * executable files of /opt/extensions, none when AWS's disable file exists. Mirrors the launcher script.
 */
export function getExternalExtensionNames(entries: readonly ExtensionsDirEntry[], disabled: boolean): string[] {
  if (disabled) return [];
  return entries
    .filter((e) => e.isFile && (e.mode & 0o111) !== 0 && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

/**
 * Reads the host folder that becomes a sandbox's /opt (for `SandboxPlan.externalExtensions`, so that init
 * waits for each of them to register and other registrations count as internal). No folder: none.
 */
export async function fetchExternalExtensionNames(hostOptDir: string): Promise<string[]> {
  const dir = path.join(hostOptDir, 'extensions');
  const disabled = await stat(path.join(hostOptDir, path.basename(DISABLE_EXTENSIONS_FILE))).then(
    () => true,
    () => false,
  );
  const names = await readdir(dir).catch(() => [] as string[]);
  const entries = await Promise.all(
    names.map(async (name) => {
      const info = await stat(path.join(dir, name)).catch(() => undefined);
      return { name, isFile: info?.isFile() ?? false, mode: info?.mode ?? 0 };
    }),
  );
  return getExternalExtensionNames(entries, disabled);
}
