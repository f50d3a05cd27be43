import { invalidParameter } from '../shared/errors.js';
import type { Architecture } from './function-model.js';

const ARCHITECTURES: readonly Architecture[] = ['x86_64', 'arm64'];

/** What the host found about the engine (fetched by src/docker/host-architectures.ts). */
export interface HostFacts {
  /** The engine's `Architecture` (`docker info`): x86_64, amd64, aarch64, arm64… */
  engineArchitecture: string;
  /** binfmt_misc interpreters registered for foreign binaries, usable inside containers (the F flag). */
  emulators: { arm64: boolean; x86_64: boolean };
}

/** The architectures functions may use on this host: the engine's own, and one it can emulate. */
export function getRunnableArchitectures(facts: HostFacts): Architecture[] {
  const native: Architecture | undefined = ['x86_64', 'amd64'].includes(facts.engineArchitecture)
    ? 'x86_64'
    : ['aarch64', 'arm64'].includes(facts.engineArchitecture)
      ? 'arm64'
      : undefined;
  return ARCHITECTURES.filter((arch) => arch === native || facts.emulators[arch]);
}

/** Refuses an architecture the host cannot run, rather than letting the function die at its first invoke. */
export function checkRunnable(architectures: readonly Architecture[], runnable: readonly Architecture[], place = 'on this host'): void {
  const wanted = architectures[0] ?? 'x86_64';
  if (runnable.includes(wanted)) return;
  throw invalidParameter(
    `lambdock ${place} runs ${runnable.join(' and ')} only: its Docker engine cannot run ${wanted} ` +
      `functions (no ${wanted} engine and no ${wanted} emulation registered in binfmt_misc). ` +
      `Use Architectures [${runnable[0] ?? 'x86_64'}].`,
  );
}
