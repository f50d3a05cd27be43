import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A Unix-socket proxy in front of another socket (the Docker engine's) that can be frozen: while frozen it
 * accepts connections and takes bytes but forwards nothing either way, like an engine that stopped
 * answering; thawed, it delivers what it held.
 */
export class FreezableSocketProxy {
  readonly path = path.join(os.tmpdir(), `lambdock-proxy-${randomUUID().slice(0, 8)}.sock`);
  private frozen = false;
  private readonly held: Array<{ to: Socket; chunk: Buffer }> = [];
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;

  constructor(private readonly target: string) {}

  async listen(): Promise<this> {
    this.server = createServer((client) => this.pipe(client));
    await new Promise<void>((resolve) => this.server?.listen(this.path, resolve));
    return this;
  }

  freeze(): void {
    this.frozen = true;
  }

  thaw(): void {
    this.frozen = false;
    for (const { to, chunk } of this.held.splice(0)) if (!to.destroyed) to.write(chunk);
  }

  async close(): Promise<void> {
    this.thaw();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server === undefined ? resolve() : this.server.close(() => resolve())));
    await rm(this.path, { force: true });
  }

  private pipe(client: Socket): void {
    const upstream = createConnection(this.target);
    this.forward(client, upstream);
    this.forward(upstream, client);
  }

  private forward(from: Socket, to: Socket): void {
    this.sockets.add(from);
    from.on('data', (chunk: Buffer) => {
      if (this.frozen) this.held.push({ to, chunk });
      else to.write(chunk);
    });
    from.on('end', () => to.end());
    from.on('error', () => to.destroy());
    from.on('close', () => {
      this.sockets.delete(from);
      to.destroy();
    });
  }
}
