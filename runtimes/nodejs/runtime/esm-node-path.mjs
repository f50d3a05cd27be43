// ES module imports that search NODE_PATH, as AWS's Node.js runtimes (18 and later) do: Node itself
// never looks there for `import`, so without this an ES module handler could not import the bundled
// AWS SDK (/var/runtime/node_modules) or a layer's packages. Node's own resolution runs first (so the
// function's node_modules wins); only a bare specifier it cannot find is tried in each NODE_PATH folder.
//
// Node 22.15+ and 24 take synchronous in-thread hooks (module.registerHooks, ~free). Node 20 only has
// off-thread hooks (module.register, ~100 ms of cold start), so there they are installed only before
// loading a handler that is an ES module.
import module from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

let installed = false;

/**
 * Parent URLs from which Node's package resolution looks in each `node_modules` folder of NODE_PATH
 * first (`<folder>/<package>`). Other NODE_PATH entries are not package folders and are skipped.
 */
export function getNodePathParents(nodePath) {
  return (nodePath ?? '')
    .split(path.delimiter)
    .filter((dir) => path.isAbsolute(dir) && path.basename(dir) === 'node_modules')
    .map((dir) => pathToFileURL(path.dirname(dir) + '/').href);
}

export function isBareSpecifier(specifier) {
  return !/^(\.{0,2}\/|[a-zA-Z][a-zA-Z\d+.-]*:|#)/.test(specifier) && specifier !== '.' && specifier !== '..';
}

/** Installs the fallback before `file` (the handler module) is imported; once per process. */
export function ensureEsmNodePath(file, env = process.env) {
  if (installed) return;
  const parents = getNodePathParents(env.NODE_PATH);
  if (parents.length === 0) return;
  if (typeof module.registerHooks === 'function') {
    module.registerHooks({ resolve: (specifier, context, next) => resolveSync(specifier, context, next, parents) });
    installed = true;
  } else if (typeof module.register === 'function' && isEsModuleFile(file)) {
    module.register('./esm-node-path-hooks.mjs', import.meta.url, { data: { parents } });
    installed = true;
  }
}

export function resolveSync(specifier, context, nextResolve, parents) {
  try {
    return nextResolve(specifier, context);
  } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !isBareSpecifier(specifier)) throw error;
    for (const parentURL of parents) {
      try {
        return nextResolve(specifier, { ...context, parentURL });
      } catch {
        // not in this folder
      }
    }
    throw error;
  }
}

export async function resolveAsync(specifier, context, nextResolve, parents) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !isBareSpecifier(specifier)) throw error;
    for (const parentURL of parents) {
      try {
        return await nextResolve(specifier, { ...context, parentURL });
      } catch {
        // not in this folder
      }
    }
    throw error;
  }
}

/** .mjs, or .js under a package.json with "type": "module" (the nearest one decides). */
function isEsModuleFile(file) {
  if (file.endsWith('.mjs')) return true;
  if (!file.endsWith('.js')) return false;
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    try {
      return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).type === 'module';
    } catch (error) {
      if (error?.code !== 'ENOENT') return false;
    }
    if (path.dirname(dir) === dir) return false;
  }
}
