//! Generators of JSON line variants for the differential tests of the one-pass result readers
//! (`json_scan.rs` and its users): each reader is checked against its general reader on them.

use std::cell::Cell;

/// A small deterministic generator (xorshift), so a failure can be replayed.
/// Shared (`Cell`), so that nested generators can take it as arguments of one call. A tame line
/// has only variations the one-pass reader should take, so that it is reached often; a wild line
/// also has the rare ones it must leave to the general reader.
pub(crate) struct Random {
    pub(crate) state: Cell<u64>,
    pub(crate) tame: Cell<bool>,
}

impl Random {
    pub(crate) fn next(&self) -> u64 {
        let mut state = self.state.get();
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        self.state.set(state);
        state
    }

    pub(crate) fn below(&self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }

    /// True one time in `times`.
    pub(crate) fn one_in(&self, times: usize) -> bool {
        self.below(times) == 0
    }

    pub(crate) fn pick<'a>(&self, choices: &[&'a str]) -> &'a str {
        choices[self.below(choices.len())]
    }

    /// True one time in `times`, never on a tame line.
    pub(crate) fn rare(&self, times: usize) -> bool {
        !self.tame.get() && self.one_in(times)
    }

    /// One of `0..bound`, where `0..wild` only on a wild line.
    pub(crate) fn variant(&self, bound: usize, wild: usize) -> usize {
        if self.tame.get() {
            wild + self.below(bound - wild)
        } else {
            self.below(bound)
        }
    }

    /// One of `choices`, whose last `wild` only on a wild line.
    pub(crate) fn pick_tame<'a>(&self, choices: &[&'a str], wild: usize) -> &'a str {
        if self.tame.get() {
            self.pick(&choices[..choices.len() - wild])
        } else {
            self.pick(choices)
        }
    }
}

/// JSON as text, kept as a tree until rendered so keys can be shuffled and spaced.
pub(crate) enum Json {
    Text(String),
    Object(Vec<(String, Json)>),
    Array(Vec<Json>),
}

pub(crate) fn text(value: &str) -> Json {
    Json::Text(value.to_owned())
}

pub(crate) const SPACES: &[&str] = &["", "", "", " ", "  ", "\t", "\r\n", "\n "];

impl Json {
    pub(crate) fn render(&self, random: &Random, out: &mut String) {
        match self {
            Json::Text(value) => out.push_str(value),
            Json::Object(fields) => {
                out.push('{');
                for (position, (key, value)) in fields.iter().enumerate() {
                    if position > 0 {
                        out.push(',');
                    }
                    out.push_str(random.pick(SPACES));
                    out.push_str(&key_text(key, random));
                    out.push_str(random.pick(SPACES));
                    out.push(':');
                    out.push_str(random.pick(SPACES));
                    value.render(random, out);
                    out.push_str(random.pick(SPACES));
                }
                out.push('}');
            }
            Json::Array(items) => {
                out.push('[');
                for (position, item) in items.iter().enumerate() {
                    if position > 0 {
                        out.push(',');
                    }
                    out.push_str(random.pick(SPACES));
                    item.render(random, out);
                }
                out.push_str(random.pick(SPACES));
                out.push(']');
            }
        }
    }
}

/// A key, now and then with its first letter escaped (`"\u0069d"` is `"id"`).
pub(crate) fn key_text(key: &str, random: &Random) -> String {
    match key.chars().next() {
        Some(first) if random.rare(60) => format!("\"\\u{:04x}{}\"", first as u32, &key[first.len_utf8()..]),
        _ => format!("\"{key}\""),
    }
}

/// Fields in a random order, some dropped, now and then an unknown one or a duplicate.
pub(crate) fn object(random: &Random, mut fields: Vec<(&str, Option<Json>)>) -> Json {
    let mut kept: Vec<(String, Json)> =
        fields.drain(..).filter_map(|(key, value)| value.map(|value| (key.to_owned(), value))).collect();
    for position in (1..kept.len()).rev() {
        kept.swap(position, random.below(position + 1));
    }
    if random.rare(25) {
        kept.insert(random.below(kept.len() + 1), ("x_unknown".to_owned(), text("{\"a\":[1,2.5e3,null]}")));
    }
    if random.rare(40) && !kept.is_empty() {
        let key = kept[random.below(kept.len())].0.clone();
        kept.push((key, text("null")));
    }
    Json::Object(kept)
}

/// A field present (most of the time), null, or missing.
pub(crate) fn maybe(random: &Random, value: Json) -> Option<Json> {
    match random.below(10) {
        0 => None,
        1 => Some(text("null")),
        _ => Some(value),
    }
}

/// Strings; the last six are not JSON (or not a Rust string) and are only on wild lines.
pub(crate) const STRINGS: &[&str] = &[
    "\"\"",
    "\"plain answer\"",
    "\"The paragraph argues that batching requests lowers cost. It also notes the latency trade-off.\"",
    "\"quote \\\" and backslash \\\\ and slash \\/\"",
    "\"controls \\b\\f\\n\\r\\t\"",
    "\"\\u00e9t\\u00E9 \\u0000 \\u001f \\u20AC\"",
    "\"pair \\ud83d\\ude00 and \\uD83D\\uDE00\"",
    "\"raw unicode héllo 😀 日本語\"",
    "\"{\\\"json\\\": [1, 2]}\"",
    "\"[1,2]\"",
    "\"lone high \\ud83d then text\"",
    "\"lone low \\ude00\"",
    "\"high then escape \\ud83d\\n\"",
    "\"bad escape \\x41\"",
    "\"short \\u12\"",
    "\"raw\tcontrol\"",
];

/// Counts; all but the first six are not a `u64` and are only on wild lines.
pub(crate) const NUMBERS: &[&str] = &[
    "0",
    "7",
    "42",
    "103",
    "18446744073709551615",
    "null",
    "18446744073709551616",
    "-1",
    "1.0",
    "1e2",
    "2E+1",
    "0.5",
    "01",
    "\"42\"",
    "true",
];

pub(crate) fn string(random: &Random) -> Json {
    text(random.pick_tame(STRINGS, 6))
}

pub(crate) fn number(random: &Random) -> Json {
    if random.one_in(3) {
        text(random.pick_tame(NUMBERS, 9))
    } else {
        Json::Text(random.below(5000).to_string())
    }
}

/// `line` as the text of a whole result line: spaces around it, and now and then, on a wild line,
/// trailing text after it or the line cut short at a random byte.
pub(crate) fn whole_line(random: &Random, line: &Json) -> String {
    let mut out = String::new();
    out.push_str(random.pick(SPACES));
    line.render(random, &mut out);
    out.push_str(random.pick(SPACES));
    match random.variant(80, 2) {
        0 => out.push_str(" {}"),
        1 => {
            let cut = random.below(out.len());
            if out.is_char_boundary(cut) {
                out.truncate(cut);
            }
        }
        _ => {}
    }
    out
}

/// The differential test of a one-pass reader: 60,000 generated lines, half tame and half wild,
/// each checked by `answered_alike` (true when the one-pass reader answered, and as the general
/// reader did; it asserts the agreement itself). The generator must reach the one-pass reader often
/// enough for the comparison to mean something, and leave it often enough to exercise the fallback.
pub(crate) fn agree_on_generated_lines(seed: u64, mut answered_alike: impl FnMut(&Random, usize) -> bool) {
    let random = Random { state: Cell::new(seed), tame: Cell::new(true) };
    let total = 60_000;
    let mut answered = 0;
    for index in 0..total {
        random.tame.set(random.one_in(2));
        if answered_alike(&random, index) {
            answered += 1;
        }
    }
    assert!(answered > total / 10, "only {answered} of {total} lines took the one-pass reader");
    assert!(answered < total * 9 / 10, "{answered} of {total} lines took the one-pass reader");
}
