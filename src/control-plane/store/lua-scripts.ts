import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';

/**
 * The stores' Lua scripts live in `src/control-plane/store/lua/<verbNoun>-<numKeys>.lua` (KEYS and ARGV
 * documented in each file's header). This module sits three levels below the repository root whether it
 * runs from src/ or from the compiled dist/, and the sources ship with both.
 */
const LUA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src', 'control-plane', 'store', 'lua');

/** Defines `<verbNoun>` on the client from `<verbNoun>-<numKeys>.lua`. */
export function defineLuaCommand(redis: Redis, file: string): void {
  const match = /^([a-zA-Z]+)-(\d+)\.lua$/.exec(file);
  if (match === null) throw new Error(`a Lua script is named <verbNoun>-<numKeys>.lua, got ${file}`);
  const [, name, keys] = match as unknown as [string, string, string];
  redis.defineCommand(name, { numberOfKeys: Number(keys), lua: readFileSync(path.join(LUA_DIR, file), 'utf8') });
}
