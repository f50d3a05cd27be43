import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';

/**
 * Redis stores keep their Lua scripts in `src/<domain>/…/lua/<verbNoun>-<numKeys>.lua` (KEYS and ARGV
 * documented in each file's header). This module sits two levels below the repository root whether it
 * runs from src/ or from the compiled dist/, and the sources ship with both.
 */
const SRC_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

/** The directory of a domain's scripts, given as its path under `src/` (`'queues', 'store', 'lua'`). */
export function luaDirectory(...underSrc: string[]): string {
  return path.join(SRC_DIR, ...underSrc);
}

/** Defines `<verbNoun>` on the client from `<dir>/<verbNoun>-<numKeys>.lua`. */
export function defineLuaScript(redis: Redis, dir: string, file: string): void {
  const match = /^([a-zA-Z]+)-(\d+)\.lua$/.exec(file);
  if (match === null) throw new Error(`a Lua script is named <verbNoun>-<numKeys>.lua, got ${file}`);
  const [, name, keys] = match as unknown as [string, string, string];
  redis.defineCommand(name, { numberOfKeys: Number(keys), lua: readFileSync(path.join(dir, file), 'utf8') });
}
