import yazl from 'yazl';

export type ZipFiles = Record<string, string | Buffer | { content: string | Buffer; mode: number }>;

/** Builds a zip in memory, as a user's deployment package. */
export function makeZip(files: ZipFiles): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const zip = new yazl.ZipFile();
    for (const [name, value] of Object.entries(files)) {
      const entry = typeof value === 'string' || Buffer.isBuffer(value) ? { content: value, mode: 0o644 } : value;
      zip.addBuffer(Buffer.from(entry.content), name, { mode: 0o100000 | entry.mode });
    }
    zip.end();
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

/** A Node.js function package with one `index.js` (CommonJS). */
export function nodeZip(source: string): Promise<Buffer> {
  return makeZip({ 'index.js': source });
}

/** A one-file Node.js package (`exports.handler = async () => 1;`), base64 as in a JSON request body. */
export async function zipBase64(): Promise<string> {
  return (await nodeZip('exports.handler = async () => 1;')).toString('base64');
}
