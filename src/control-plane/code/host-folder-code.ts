import { createHash } from 'node:crypto';
import path from 'node:path';
import { invalidParameter } from '../../shared/errors.js';
import type { HostFolderCodeRef } from '../function-model.js';
import type { CodeInput } from './zip-input.js';

/** Hot reload: which `Code.S3Bucket` names a host folder (`S3Key`), and the folders that may be named. */
export interface HotReloadSettings {
  bucket: string;
  /** Absolute folders under which code folders may be (none: hot reload is off). */
  allowedPaths: readonly string[];
}

/** Whether `input` asks for hot reload (the bucket is the hot-reload bucket). */
export const isHotReload = (input: CodeInput, settings: HotReloadSettings): boolean =>
  input.ZipFile === undefined && input.S3Bucket !== undefined && input.S3Bucket === settings.bucket;

const within = (folder: string, root: string): boolean => folder === root || folder.startsWith(root.endsWith(path.sep) ? root : `${root}${path.sep}`);

/**
 * The code reference of a hot-reload folder: an absolute path (normalised: no `..` way out) under one of
 * the allowed folders. The folder itself is the Docker host's (it is mounted by the engine): lambdock
 * does not read it here.
 */
export function resolveHostFolder(input: CodeInput, settings: HotReloadSettings): HostFolderCodeRef {
  const key = input.S3Key ?? '';
  if (settings.allowedPaths.length === 0) {
    throw invalidParameter(
      `Hot reload is off: lambdock mounts code folders (Code.S3Bucket "${settings.bucket}") only from folders listed in LAMBDOCK_HOT_RELOAD_PATHS.`,
    );
  }
  if (!path.isAbsolute(key)) throw invalidParameter(`For hot reload, Code.S3Key must be an absolute path to a folder, got "${key}".`);
  const folder = path.resolve(key);
  if (!settings.allowedPaths.some((root) => within(folder, path.resolve(root)))) {
    throw invalidParameter(`The folder ${folder} is not under any folder listed in LAMBDOCK_HOT_RELOAD_PATHS (${settings.allowedPaths.join(', ')}).`);
  }
  const digest = createHash('sha256').update(`hot-reload:${folder}`).digest();
  return { sha256Hex: digest.toString('hex'), codeSha256: digest.toString('base64'), size: 0, hostFolder: folder };
}
