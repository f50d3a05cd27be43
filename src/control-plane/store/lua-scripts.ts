import type { Redis } from 'ioredis';
import { defineLuaScript, luaDirectory } from '../../shared/lua-scripts.js';

/** The stores' Lua scripts: `src/control-plane/store/lua/<verbNoun>-<numKeys>.lua`. */
const LUA_DIR = luaDirectory('control-plane', 'store', 'lua');

/** Defines `<verbNoun>` on the client from `<verbNoun>-<numKeys>.lua`. */
export function defineLuaCommand(redis: Redis, file: string): void {
  defineLuaScript(redis, LUA_DIR, file);
}
