import type Dockerode from 'dockerode';
import type { ImageInspector, InspectedImage } from '../control-plane/code/image-code.js';

const statusOf = (error: unknown): number | undefined =>
  typeof error === 'object' && error !== null && 'statusCode' in error ? (error as { statusCode?: number }).statusCode : undefined;

const asList = (value: string | string[] | null | undefined): string[] => (typeof value === 'string' ? [value] : (value ?? []));

/**
 * Finds images on this process's Docker engine (`docker image inspect`), and whether each has the
 * `/bin/sh` lambdock starts function containers with: a container is created (never started) to look,
 * labelled as lambdock's (`labels`) so that a sweep finds it if this process dies before removing it.
 */
export class DockerImageInspector implements ImageInspector {
  /** By image id: an id names fixed content, so what was found once stays true (activations ask again). */
  private readonly shells = new Map<string, boolean>();

  constructor(
    private readonly docker: Dockerode,
    private readonly labels: Record<string, string>,
  ) {}

  async inspect(reference: string): Promise<InspectedImage | undefined> {
    try {
      const info = await this.docker.getImage(reference).inspect();
      return {
        id: info.Id,
        hasShell: await this.hasShell(info.Id),
        entrypoint: asList(info.Config.Entrypoint),
        cmd: asList(info.Config.Cmd),
        workingDir: info.Config.WorkingDir ?? '',
        architecture: info.Architecture ?? '',
      };
    } catch (error) {
      // 404: no such image. 400: a reference the engine cannot parse (also not an image it has).
      if (statusOf(error) === 404 || statusOf(error) === 400) return undefined;
      throw error;
    }
  }

  private async hasShell(imageId: string): Promise<boolean> {
    const known = this.shells.get(imageId);
    if (known !== undefined) return known;
    const found = await this.lookForShell(imageId);
    this.shells.set(imageId, found);
    return found;
  }

  private async lookForShell(imageId: string): Promise<boolean> {
    const container = await this.docker.createContainer({ Image: imageId, Entrypoint: ['/bin/sh'], Cmd: [], Labels: this.labels, NetworkDisabled: true });
    try {
      await container.infoArchive({ path: '/bin/sh' });
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw error;
    } finally {
      await container.remove({ force: true, v: true }).catch(() => undefined);
    }
  }
}
