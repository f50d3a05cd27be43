import { execFile } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');
const BUILD_SCRIPT = path.join(root, 'scripts', 'build-aws-ric.sh');

/**
 * The directory of AWS's Node.js Runtime Interface Client (aws-lambda-ric@3.3.0), built by
 * scripts/build-aws-ric.sh into `.cache/` (a minute or two the first time, reused after). It is no
 * dependency of the project: its native addon needs autotools, and `npm ci` must need only Node and npm.
 * Fails, saying what to run, when the build tools are missing.
 */
export function fetchAwsRicDir(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', [BUILD_SCRIPT], { env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error === null) return resolve(stdout.trim().split('\n').at(-1) ?? '');
      const tail = stderr.trim().split('\n').slice(-15).join('\n');
      reject(new Error(`Could not build aws-lambda-ric for the compatibility test (scripts/build-aws-ric.sh exited ${String(error.code)}):\n${tail}`));
    });
  });
}
