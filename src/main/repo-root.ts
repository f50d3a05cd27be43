import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (src/main or dist/main are two levels down). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
