// A JavaScript mirror of the core's text splitter (crates/core/src/cost/token_estimate.rs), used
// only to fit the estimator's tables: each piece is what a byte-pair encoder's pre-tokenizer
// (o200k_base's pattern, simplified) would hand to the encoder, with its class and length.
// Kept in step with the Rust by `bench/fit-token-estimate.mjs`, which checks both give the same
// totals on the tuning corpus.
export const CLASSES = ["latin", "accented", "cyrillic", "greek", "arabic", "hebrew", "devanagari", "indic", "thai", "hangul", "wide", "otherLetter", "rareLetter", "digits", "symbols", "otherSymbols", "emoji", "spaces", "newlines"];
const LETTER_CLASSES = new Set(["latin", "cyrillic", "greek", "arabic", "hebrew", "devanagari", "indic", "thai", "hangul", "wide", "otherLetter", "rareLetter"]);

export function classOf(character) {
  const code = character.codePointAt(0);
  if ((code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a)) return "latin";
  if (code >= 0x30 && code <= 0x39) return "digits";
  if (code === 0x0a || code === 0x0d) return "newlines";
  if (code === 0x20 || code === 0x09) return "spaces";
  if (code < 0x80) return code < 0x20 ? "spaces" : "symbols";
  if (/\s/u.test(character)) return "spaces";
  if ((code >= 0x300 && code <= 0x36f) || (code >= 0xc0 && code <= 0x24f && code !== 0xd7 && code !== 0xf7) || (code >= 0x1e00 && code <= 0x1eff)) return "latin";
  if (code >= 0x370 && code <= 0x3ff) return "greek";
  if (code >= 0x1f00 && code <= 0x1fff) return "greek";
  if (code >= 0x400 && code <= 0x52f) return "cyrillic";
  if (code >= 0x590 && code <= 0x5ff) return "hebrew";
  if ((code >= 0x600 && code <= 0x6ff) || (code >= 0x750 && code <= 0x77f) || (code >= 0xfb50 && code <= 0xfdff) || (code >= 0xfe70 && code <= 0xfeff)) return scriptLetter(character, "arabic");
  if (code >= 0x900 && code <= 0x97f) return scriptLetter(character, "devanagari");
  if (code >= 0x980 && code <= 0xdff) return scriptLetter(character, "indic");
  if (code >= 0xe00 && code <= 0xe7f) return scriptLetter(character, "thai");
  if ((code >= 0x1100 && code <= 0x11ff) || (code >= 0x3130 && code <= 0x318f) || (code >= 0xac00 && code <= 0xd7af)) return "hangul";
  if ((code >= 0x3040 && code <= 0x30ff) || (code >= 0x3400 && code <= 0x9fff) || (code >= 0xf900 && code <= 0xfaff) || (code >= 0x20000 && code <= 0x3ffff)) return "wide";
  if ((code >= 0x2600 && code <= 0x27bf) || (code >= 0x1f000 && code <= 0x1faff) || code === 0xfe0f) return "emoji";
  if (code === 0x200c || code === 0x200d) return "joiner";
  // Georgian and Armenian: alphabets the encoder has learned; other scripts fall to bytes.
  if ((code >= 0x530 && code <= 0x58f) || (code >= 0x10a0 && code <= 0x10ff) || (code >= 0x1c90 && code <= 0x1cbf)) return "otherLetter";
  if (/\p{N}/u.test(character)) return "digits";
  if (/\p{Alphabetic}/u.test(character)) return "rareLetter";
  return "otherSymbols";
}

// Punctuation inside the Arabic, Indic and Thai blocks (commas, full stops, dandas, currency).
const SCRIPT_PUNCTUATION = new Set([0x60c, 0x61b, 0x61f, 0x66a, 0x66b, 0x66c, 0x66d, 0x6d4, 0x964, 0x965, 0x970, 0xe3f, 0xe4f, 0xe5a, 0xe5b]);
/** In a script's block, every character is one of its letters (marks included) but digits and punctuation. */
function scriptLetter(character, script) {
  if (/\p{N}/u.test(character)) return "digits";
  return SCRIPT_PUNCTUATION.has(character.codePointAt(0)) ? "otherSymbols" : script;
}

const isLower = (character) => character !== character.toUpperCase() && character === character.toLowerCase();
const isUpper = (character) => character !== character.toLowerCase();

/** Yields `{ text, class, length }`; `length` counts the characters of the class (not a prefix). */
export function* splitPieces(text) {
  const characters = Array.from(text);
  const classes = characters.map(classOf);
  // A joiner (zero-width) belongs to the run it sits in.
  for (let index = 0; index < classes.length; index += 1) if (classes[index] === "joiner") classes[index] = index > 0 ? classes[index - 1] : "otherSymbols";
  let index = 0;
  let previous = undefined;
  while (index < characters.length) {
    const start = index;
    const kind = classes[index];
    if (kind === "digits") {
      let end = index;
      while (end < characters.length && classes[end] === "digits" && end - index < 3) end += 1;
      yield { text: characters.slice(start, end).join(""), class: "digits", length: end - start };
      index = end;
      previous = "digits";
      continue;
    }
    // A single space, or a single symbol after a letter or digit, joins the word that follows.
    let prefix = 0;
    const following = classes[index + 1];
    if (kind === "spaces" && characters[index] === " " && following !== undefined && (LETTER_CLASSES.has(following) || following === "symbols" || following === "otherSymbols" || following === "emoji")) prefix = 1;
    if (kind === "symbols" && following !== undefined && LETTER_CLASSES.has(following) && previous !== undefined && (LETTER_CLASSES.has(previous) || previous === "digits")) prefix = 1;
    if (kind === "spaces" && prefix === 0) {
      let end = index;
      while (end < characters.length && classes[end] === "spaces") end += 1;
      const next = classes[end];
      // The last space of a run joins a following word or symbol run.
      if (end - index >= 2 && end < characters.length && next !== "newlines" && next !== "digits") end -= 1;
      if (next === "newlines") {
        while (end < characters.length && (classes[end] === "newlines" || classes[end] === "spaces")) end += 1;
        // Indentation after the last newline is its own piece (below).
        while (end > index && classes[end - 1] === "spaces") end -= 1;
        yield { text: characters.slice(start, end).join(""), class: "newlines", length: 1 };
      } else {
        yield { text: characters.slice(start, end).join(""), class: "spaces", length: end - start };
      }
      index = end;
      previous = "spaces";
      continue;
    }
    if (kind === "newlines") {
      let end = index;
      while (end < characters.length && (classes[end] === "newlines" || classes[end] === "spaces")) end += 1;
      while (end > index && classes[end - 1] === "spaces") end -= 1;
      yield { text: characters.slice(start, end).join(""), class: "newlines", length: 1 };
      index = end;
      previous = "newlines";
      continue;
    }
    const body = index + prefix;
    const bodyKind = classes[body];
    if (LETTER_CLASSES.has(bodyKind)) {
      let end = body + 1;
      while (end < characters.length && classes[end] === bodyKind && !(bodyKind === "latin" && isUpper(characters[end]) && isLower(characters[end - 1]))) end += 1;
      // A Latin word with a letter beyond ASCII splits into more tokens than an ASCII one.
      const accented = bodyKind === "latin" && characters.slice(body, end).some((character) => character.codePointAt(0) >= 0x80 && classOf(character) !== "joiner");
      yield { text: characters.slice(start, end).join(""), class: accented ? "accented" : bodyKind, length: end - body };
      index = end;
      previous = bodyKind;
      continue;
    }
    // A run of symbols (with a space before it) and the line breaks right after it.
    let end = body;
    while (end < characters.length && classes[end] === bodyKind) end += 1;
    const length = end - body;
    if (bodyKind === "symbols" || bodyKind === "otherSymbols" || bodyKind === "emoji") while (end < characters.length && classes[end] === "newlines") end += 1;
    yield { text: characters.slice(start, end).join(""), class: bodyKind, length };
    index = end;
    previous = bodyKind;
  }
}
