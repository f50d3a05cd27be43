import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import yazl from 'yazl';

/**
 * A deployment package of a folder, as `zip -r` of its contents would make it: every file with its mode
 * (executables stay executable: a `bootstrap`), paths relative to the folder, symbolic links followed.
 */
export async function zipFolder(folder: string): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const add = async (relative: string): Promise<void> => {
    const full = path.join(folder, relative);
    const info = await stat(full);
    if (info.isDirectory()) {
      for (const entry of (await readdir(full)).sort()) await add(relative === '' ? entry : `${relative}/${entry}`);
      return;
    }
    if (info.isFile()) zip.addBuffer(await readFile(full), relative, { mode: 0o100000 | (info.mode & 0o777) });
  };
  await add('');
  zip.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}
