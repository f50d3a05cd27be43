// Loads the function's handler from a `_HANDLER` string like AWS's Node.js runtime does:
// "<path/>module.export[.nested]", the module resolved under LAMBDA_TASK_ROOT trying the bare
// name, .js, .mjs and .cjs, then Node's own resolution (node_modules, NODE_PATH). Everything is
// loaded with import(), so ESM and CommonJS both work and package.json "type" is respected.
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  HandlerNotFound,
  ImportModuleError,
  MalformedHandlerName,
  UserCodeSyntaxError,
} from './errors.mjs';
import { ensureEsmNodePath } from './esm-node-path.mjs';

const HANDLER_EXPRESSION = /^([^.]*)\.(.*)$/;
const EXTENSIONS = ['', '.js', '.mjs', '.cjs'];
// Anchored at index.mjs, so a missing module reads "Require stack:\n- /var/runtime/index.mjs".
const resolveFromRuntime = createRequire(new URL('./index.mjs', import.meta.url)).resolve;

/**
 * @returns {Promise<Function>} the handler function; module-level code has run.
 * @throws Runtime.MalformedHandlerName, Runtime.ImportModuleError, Runtime.UserCodeSyntaxError,
 *   Runtime.HandlerNotFound, or whatever the module's own top-level code threw.
 */
export async function loadHandler(appRoot, fullHandler) {
  const { moduleRoot, moduleName, exportPath } = parseHandler(fullHandler);
  const userModule = await importUserModule(appRoot, moduleRoot, moduleName);
  const handler = findExport(userModule, exportPath) ?? findExport(userModule?.default, exportPath);
  if (!handler) throw new HandlerNotFound(`${fullHandler} is undefined or not exported`);
  if (typeof handler !== 'function') throw new HandlerNotFound(`${fullHandler} is not a function`);
  return handler;
}

export function isAsyncFunction(fn) {
  try {
    return fn.constructor?.name === 'AsyncFunction';
  } catch {
    return false;
  }
}

function parseHandler(fullHandler) {
  if (typeof fullHandler !== 'string' || fullHandler === '') {
    throw new MalformedHandlerName(`Bad handler ${fullHandler ?? ''}`);
  }
  if (fullHandler.includes('..')) {
    throw new MalformedHandlerName(
      `'${fullHandler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const moduleAndExport = path.basename(fullHandler);
  const match = HANDLER_EXPRESSION.exec(moduleAndExport);
  if (!match) throw new MalformedHandlerName(`Bad handler ${fullHandler}`);
  return {
    moduleRoot: fullHandler.slice(0, fullHandler.length - moduleAndExport.length),
    moduleName: match[1],
    exportPath: match[2],
  };
}

async function importUserModule(appRoot, moduleRoot, moduleName) {
  try {
    const basePath = path.resolve(appRoot, moduleRoot, moduleName);
    for (const extension of EXTENSIONS) {
      const file = basePath + extension;
      if (isFile(file)) {
        ensureEsmNodePath(file);
        return await import(pathToFileURL(file).href);
      }
    }
    const resolved = resolveFromRuntime(moduleName, {
      paths: [appRoot, path.join(appRoot, moduleRoot)],
    });
    if (path.isAbsolute(resolved)) ensureEsmNodePath(resolved);
    return await import(path.isAbsolute(resolved) ? pathToFileURL(resolved).href : resolved);
  } catch (error) {
    if (error instanceof SyntaxError) throw new UserCodeSyntaxError(error);
    if (error?.code === 'MODULE_NOT_FOUND') throw new ImportModuleError(error);
    throw error;
  }
}

function isFile(file) {
  return statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
}

function findExport(container, exportPath) {
  let value = container;
  for (const key of exportPath.split('.')) {
    if (value == null || (typeof value !== 'object' && typeof value !== 'function')) return undefined;
    value = value[key];
  }
  return value ?? undefined;
}
