/**
 * The GPT-2 / Hugging Face "ByteLevel" alphabet: each of the 256 bytes is shown as one printable
 * unicode character, so token strings in tokenizer.json contain no spaces, controls or invalid text.
 * Printable latin1 bytes map to themselves; the others (controls, space, 0x7F-0xA0, 0xAD) map to
 * U+0100 onwards, in byte order.
 */
function buildByteToChar(): string[] {
  const printable = (b: number) =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const out: string[] = new Array<string>(256);
  let next = 256;
  for (let b = 0; b < 256; b++) out[b] = String.fromCharCode(printable(b) ? b : next++);
  return out;
}

export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();

const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

/** Bytes -> their ByteLevel string (as stored in tokenizer.json). */
export function bytesToByteLevel(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += BYTE_TO_CHAR[bytes[i]!]!;
  return s;
}

/** ByteLevel string -> bytes, or null if it contains a character outside the 256-character alphabet. */
export function byteLevelToBytes(s: string): Uint8Array | null {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const b = CHAR_TO_BYTE.get(s[i]!);
    if (b === undefined) return null;
    out[i] = b;
  }
  return out;
}

/**
 * A "byte string": one JS char per byte (char code = byte value). Splitting this with a regex
 * works on the exact bytes, so invalid UTF-8 survives untouched, unlike decoding to a JS string.
 */
export function bytesToLatin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

export function latin1ToBytes(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'latin1'));
}

/** Text or bytes -> bytes (text is UTF-8 encoded; lone surrogates become U+FFFD, as everywhere in Node). */
export function toBytes(input: string | Uint8Array): Uint8Array {
  return typeof input === 'string' ? new Uint8Array(Buffer.from(input, 'utf8')) : input;
}

/**
 * A standalone copy of a latin1 string. `str.slice()` returns a view that keeps the whole source
 * string alive; copying before storing a piece in a long-lived Map avoids retaining whole files.
 */
export function detachedCopy(latin1: string): string {
  return Buffer.from(latin1, 'latin1').toString('latin1');
}
