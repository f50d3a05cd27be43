/**
 * Reads a CreateFunction / UpdateFunctionCode / PublishLayerVersion JSON body as it arrives, decoding the
 * base64 `ZipFile` string (at `Code.ZipFile`, `Content.ZipFile` or `ZipFile`) straight into a Buffer
 * instead of holding the body text, the parsed string and the decoded bytes at once. The rest of the JSON (small) is kept and parsed as usual,
 * with `ZipFile` left as an empty string; the zip comes out beside it.
 *
 * Memory for one upload: the decoded zip (¾ of the body) plus one chunk, instead of about 2.5× the body.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const ZIP_PATHS = ['Code\u0000ZipFile', 'Content\u0000ZipFile', 'ZipFile'];
const BASE64_INVALID = /[^A-Za-z0-9+/=]/;

interface Frame {
  kind: 'object' | 'array';
  expectKey: boolean;
  key?: string;
}

export interface ZipJsonBody {
  /** The JSON text without the zip (its `ZipFile` an empty string). */
  json: string;
  /** The decoded zip; undefined when there was none, or it was not valid base64 (then `json` keeps a marker). */
  zip?: Buffer;
}

/** A marker left in `ZipFile` when its text was not base64: the service refuses it as AWS does. */
export const INVALID_ZIP_MARKER = '!';

/** Incremental scanner: `push` chunks as they come, then `finish`. Only structure is tracked, not validated. */
export class ZipJsonScanner {
  private readonly head: Buffer[] = [];
  private readonly frames: Frame[] = [];
  private inString = false;
  private escaped = false;
  private stringIsKey = false;
  private keyBytes: number[] = [];
  private inZip = false;
  private zipInvalid = false;
  private sawPadding = false;
  private pending = '';
  private readonly out: Buffer;
  private written = 0;
  private extra: Buffer[] = [];
  private foundZip = false;

  constructor(expectedBytes: number) {
    this.out = Buffer.allocUnsafe(Math.ceil((expectedBytes * 3) / 4));
  }

  push(chunk: Buffer): void {
    let copyFrom = 0;
    let i = 0;
    while (i < chunk.length) {
      if (this.inZip) {
        const end = chunk.indexOf(QUOTE, i);
        const stop = end === -1 ? chunk.length : end;
        this.decode(chunk.toString('latin1', i, stop));
        if (end === -1) return; // the whole rest was zip text: nothing to copy
        this.inZip = false;
        this.inString = false;
        copyFrom = end; // the closing quote goes to the head, right after the opening one
        i = end + 1;
        continue;
      }
      const byte = chunk[i] as number;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (byte === BACKSLASH) this.escaped = true;
        else if (byte === QUOTE) this.endString();
        if (this.stringIsKey && this.inString && this.keyBytes.length < 64) this.keyBytes.push(byte);
        i += 1;
        continue;
      }
      if (byte === QUOTE) {
        if (this.startString()) {
          this.head.push(chunk.subarray(copyFrom, i + 1));
          i += 1;
          copyFrom = chunk.length; // nothing of this chunk is copied until the zip ends
          continue;
        }
      } else {
        this.structural(byte);
      }
      i += 1;
    }
    if (copyFrom < chunk.length) this.head.push(chunk.subarray(copyFrom));
  }

  finish(): ZipJsonBody {
    const json = Buffer.concat(this.head).toString('utf8');
    if (!this.foundZip) return { json };
    if (this.zipInvalid || this.inZip || this.pending.replace(/=+$/, '').length % 4 === 1) {
      return { json: markInvalid(json) };
    }
    if (this.pending.length > 0) this.flush(this.pending);
    const zip = this.extra.length === 0 ? this.out.subarray(0, this.written) : Buffer.concat([this.out.subarray(0, this.written), ...this.extra]);
    return { json, zip };
  }

  /** Opens a string; answers whether it is the zip's value (then the scanner switches to zip mode). */
  private startString(): boolean {
    this.inString = true;
    const frame = this.frames[this.frames.length - 1];
    this.stringIsKey = frame?.kind === 'object' && frame.expectKey;
    this.keyBytes = [];
    if (this.stringIsKey || this.foundZip || frame?.kind !== 'object') return false;
    const path = this.frames.map((f) => f.key ?? '').join('\u0000');
    if (!ZIP_PATHS.includes(path)) return false;
    this.inZip = true;
    this.foundZip = true;
    return true;
  }

  private endString(): void {
    this.inString = false;
    const frame = this.frames[this.frames.length - 1];
    if (this.stringIsKey && frame !== undefined) {
      frame.key = Buffer.from(this.keyBytes).toString('utf8');
      frame.expectKey = false;
    }
  }

  private structural(byte: number): void {
    const frame = this.frames[this.frames.length - 1];
    if (byte === 0x7b) this.frames.push({ kind: 'object', expectKey: true });
    else if (byte === 0x5b) this.frames.push({ kind: 'array', expectKey: false });
    else if (byte === 0x7d || byte === 0x5d) this.frames.pop();
    else if (byte === 0x2c && frame?.kind === 'object') {
      frame.expectKey = true;
      delete frame.key;
    }
  }

  private decode(text: string): void {
    if (this.zipInvalid || text.length === 0) return;
    if (BASE64_INVALID.test(text) || (this.sawPadding && /[^=]/.test(text))) {
      this.zipInvalid = true;
      return;
    }
    const padding = text.indexOf('=');
    if (padding !== -1) {
      this.sawPadding = true;
      if (/[^=]/.test(text.slice(padding))) {
        this.zipInvalid = true;
        return;
      }
    }
    const all = this.pending + text;
    const whole = all.length - (all.length % 4);
    this.pending = all.slice(whole);
    if (whole > 0) this.flush(all.slice(0, whole));
  }

  private flush(text: string): void {
    const bytes = Buffer.from(text, 'base64');
    if (this.written + bytes.length <= this.out.length) {
      bytes.copy(this.out, this.written);
      this.written += bytes.length;
    } else {
      this.extra.push(bytes); // the body was longer than announced (no Content-Length)
    }
  }
}

/** Puts the invalid marker in the (emptied) ZipFile value so that the service refuses it. */
function markInvalid(json: string): string {
  return json.replace(/("ZipFile"\s*:\s*)""/, `$1"${INVALID_ZIP_MARKER}"`);
}
