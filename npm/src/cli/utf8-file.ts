/**
 * Files the CLI reads (unified requests, OpenAI batch input to import, prices) read as strict
 * UTF-8: a byte that is not UTF-8 is refused with the file, the line and the byte offset, where
 * decoding would put U+FFFD in its place and send a changed request (a new-user trial found a
 * Latin-1 file's accents uploaded as replacement characters).
 */
import { readFile } from "node:fs/promises";

import { UsageError } from "./output.js";

/** Keeps a byte-order mark, as reading with "utf8" did (the JSONL reader takes it). */
const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * The offset of the first byte of `bytes` that does not begin a well-formed UTF-8 sequence
 * (Unicode 15, table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF), or -1.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let at = 0;
  while (at < bytes.length) {
    const lead = bytes[at]!;
    if (lead < 0x80) {
      at++;
      continue;
    }
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) low = 0xa0;
      if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) low = 0x90;
      if (lead === 0xf4) high = 0x8f;
    } else return at;
    if (at + length > bytes.length) return at;
    const second = bytes[at + 1]!;
    if (second < low || second > high) return at;
    for (let next = at + 2; next < at + length; next++) {
      if (bytes[next]! < 0x80 || bytes[next]! > 0xbf) return at;
    }
    at += length;
  }
  return -1;
}

/** Where a file is not UTF-8: its line (from 1) and the byte offsets in the file and the line. */
export interface NotUtf8 {
  line: number;
  offset: number;
  column: number;
  byte: number;
}

export function notUtf8At(bytes: Uint8Array): NotUtf8 | undefined {
  const offset = firstInvalidUtf8(bytes);
  if (offset < 0) return undefined;
  let line = 1;
  let lineStart = 0;
  for (let at = bytes.indexOf(0x0a); at >= 0 && at < offset; at = bytes.indexOf(0x0a, at + 1)) {
    line++;
    lineStart = at + 1;
  }
  return { line, offset, column: offset - lineStart, byte: bytes[offset]! };
}

/** The sentence for a file that is not UTF-8. */
export function notUtf8Message(file: string, where: NotUtf8): string {
  const hex = where.byte.toString(16).toUpperCase().padStart(2, "0");
  return `${file}: line ${where.line} is not valid UTF-8 (byte 0x${hex} at byte offset ${where.offset} of the file, ${where.column} of the line); save the file as UTF-8`;
}

/**
 * The text of `file`, refused unless it is UTF-8: `refuse` makes the error from the message and
 * the line (a `ValidationError` for requests, a `UsageError` for prices).
 */
export async function readUtf8File(file: string, refuse: (message: string, line: number) => Error): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    // A FILE that is not there is a mistake on the command line, not in its content.
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return strict.decode(bytes);
  } catch {
    // UTF-16's byte-order marks (FF FE little-endian, FE FF big-endian) are not UTF-8: say what the file is.
    if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
      const order = bytes[0] === 0xff ? "FF FE, little-endian" : "FE FF, big-endian";
      throw refuse(`${file} is UTF-16 text (its byte-order mark is ${order}), not UTF-8: save the file as UTF-8`, 1);
    }
    const where = notUtf8At(bytes);
    // `strict` refused it, so a byte is found; the fallback keeps the refusal if it were not.
    if (where === undefined) throw refuse(`${file} is not valid UTF-8`, 1);
    throw refuse(notUtf8Message(file, where), where.line);
  }
}
