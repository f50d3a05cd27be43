// Off-thread module hooks for Node.js 20 (module.register): see esm-node-path.mjs.
import { resolveAsync } from './esm-node-path.mjs';

let parents = [];

export function initialize(data) {
  parents = data?.parents ?? [];
}

export function resolve(specifier, context, nextResolve) {
  return resolveAsync(specifier, context, nextResolve, parents);
}
