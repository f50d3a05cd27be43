import { readFile } from 'node:fs/promises';
import type Dockerode from 'dockerode';
import type { HostFacts } from '../control-plane/architecture-support.js';

const BINFMT_DIR = '/proc/sys/fs/binfmt_misc';

/** True when a binfmt_misc entry is enabled with the F flag (the interpreter works inside containers). */
async function fetchEmulator(names: string[]): Promise<boolean> {
  for (const name of names) {
    const text = await readFile(`${BINFMT_DIR}/${name}`, 'utf8').catch(() => '');
    const flags = /^flags:\s*(\S*)/m.exec(text)?.[1] ?? '';
    if (text.startsWith('enabled') && flags.includes('F')) return true;
  }
  return false;
}

/** The engine's architecture and the emulators the kernel has registered. */
export async function fetchHostFacts(docker: Dockerode): Promise<HostFacts> {
  // Without an answer, assume the engine runs where lambdock runs (what a local socket means).
  const info = (await docker.info().catch(() => ({}))) as { Architecture?: string };
  return {
    engineArchitecture: info.Architecture ?? (process.arch === 'x64' ? 'x86_64' : process.arch),
    emulators: { arm64: await fetchEmulator(['qemu-aarch64']), x86_64: await fetchEmulator(['qemu-x86_64', 'rosetta']) },
  };
}
