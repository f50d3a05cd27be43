import { invalidParameter } from '../../shared/errors.js';
import type { CodeRef, FunctionLayer } from '../function-model.js';

/** What the function service asks of the layers (LayerService does it). */
export interface FunctionLayerResolver {
  /** The layers `arns` name, in order, with AWS's refusals (shape, count, existence, size with `code`). */
  resolveFunctionLayers(arns: readonly string[], code: CodeRef): Promise<FunctionLayer[]>;
  /** AWS's refusal when `code` and `layers` unzipped together pass 250 MB. */
  checkCombinedSize(code: CodeRef, layers: readonly FunctionLayer[]): Promise<void>;
}

/** A function's `Layers` resolved: none when not given or empty; refused when there is no resolver. */
export async function resolveFunctionLayers(
  resolver: FunctionLayerResolver | undefined,
  arns: readonly string[] | undefined,
  code: CodeRef,
): Promise<FunctionLayer[]> {
  if (arns === undefined || arns.length === 0) return [];
  if (resolver === undefined) throw invalidParameter('lambdock cannot run functions with layers here: remove Layers.');
  return resolver.resolveFunctionLayers(arns, code);
}
