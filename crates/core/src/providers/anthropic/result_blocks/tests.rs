//! The blocks read here against serde's derive of the same enum (the code they replace): the same
//! blocks, or the same error at the same place, for many broken variants of real blocks.

use serde::Deserialize;
use serde_json::{json, Value};

use super::{blocks, Block};

/// The enum as it was derived before (named as it was: its name is in the errors), read from JSON
/// objects only, as every reader of results is (`model/object_only.rs`).
mod derived {
    use serde::Deserialize;
    use serde_json::Value;

    #[derive(Deserialize)]
    #[serde(remote = "Self", tag = "type", rename_all = "snake_case")]
    pub enum Block {
        Text {
            text: String,
        },
        Thinking {
            thinking: String,
            #[serde(default)]
            signature: Option<String>,
        },
        RedactedThinking {
            data: String,
        },
        ToolUse {
            #[serde(default)]
            id: Option<String>,
            name: String,
            #[serde(default)]
            input: Value,
        },
        #[serde(other)]
        Other,
    }
    crate::model::object_only!(deserialize only Block, "a content block object");
}

use derived::Block as Derived;

impl From<Derived> for Block {
    fn from(derived: Derived) -> Block {
        match derived {
            Derived::Text { text } => Block::Text { text },
            Derived::Thinking { thinking, signature } => Block::Thinking { thinking, signature },
            Derived::RedactedThinking { data } => Block::RedactedThinking { data },
            Derived::ToolUse { id, name, input } => Block::ToolUse { id, name, input },
            Derived::Other => Block::Other,
        }
    }
}

#[derive(Deserialize)]
struct DerivedMessage {
    #[serde(default)]
    content: Option<Vec<Derived>>,
    #[serde(default)]
    #[allow(dead_code)]
    role: Option<String>,
}

#[derive(Deserialize)]
struct Message {
    #[serde(default, deserialize_with = "blocks")]
    content: Option<Vec<Block>>,
    #[serde(default)]
    #[allow(dead_code)]
    role: Option<String>,
}

fn read(text: &str) -> Result<Option<Vec<Block>>, String> {
    serde_json::from_str::<Message>(text).map(|message| message.content).map_err(|error| error.to_string())
}

fn derived(text: &str) -> Result<Option<Vec<Block>>, String> {
    serde_json::from_str::<DerivedMessage>(text)
        .map(|message| message.content.map(|blocks| blocks.into_iter().map(Block::from).collect()))
        .map_err(|error| error.to_string())
}

/// `input` is read exactly (`exact_json::value`), from its text as serde_json hands it over: a
/// number out of range or nesting too deep in it is refused with the derive's message, but placed
/// after the value (where the derive placed it at the number or bracket). Such errors are compared
/// without their place.
fn placed_as_input_is<T: PartialEq + std::fmt::Debug>(
    read: Result<T, String>,
    derived: Result<T, String>,
    text: &str,
) -> (Result<T, String>, Result<T, String>) {
    let unplaced = |error: String| error.split(" at line ").next().unwrap_or_default().to_owned();
    match (&read, &derived) {
        (Err(ours), Err(theirs))
            if text.contains("tool_use")
                && unplaced(ours.clone()) == unplaced(theirs.clone())
                && ["number out of range", "recursion limit exceeded"].contains(&unplaced(ours.clone()).as_str()) =>
        {
            (read.map_err(unplaced), derived.map_err(unplaced))
        }
        _ => (read, derived),
    }
}

fn deep() -> String {
    format!("{}{}", "[".repeat(130), "]".repeat(130))
}

fn values() -> Vec<String> {
    let mut values: Vec<String> = [
        "5",
        "-3",
        "1.5",
        "18446744073709551616",
        "1e400",
        "\"x\"",
        "\"t\\u0065xt\"",
        "\"tool_use\"",
        "null",
        "true",
        "[]",
        "[1,\"a\"]",
        "{}",
        "{\"bogus\":[1,{\"a\":null}]}",
    ]
    .map(str::to_owned)
    .to_vec();
    values.push(deep());
    values
}

/// Real blocks (spec `ContentBlock`), as key and value texts, `type` first.
fn bases() -> Vec<Vec<(String, String)>> {
    let blocks = [
        json!([["type", "text"], ["text", "Hi"]]),
        json!([["type", "thinking"], ["thinking", "hm"], ["signature", "sig"]]),
        json!([["type", "redacted_thinking"], ["data", "xx"]]),
        json!([["type", "tool_use"], ["id", "toolu_1"], ["name", "lookup"], ["input", {"q": [1, 2.5, {"a": null}]}]]),
        json!([["type", "server_tool_use"], ["id", "srvtoolu_1"], ["name", "web_search"], ["input", {}], ["text", 5]]),
        json!([["type", "other"], ["citations", null]]),
    ];
    blocks
        .iter()
        .map(|block| block.as_array().unwrap().iter().map(|pair| (pair[0].to_string(), pair[1].to_string())).collect())
        .collect()
}

fn object(pairs: &[(String, String)]) -> String {
    let pairs: Vec<String> = pairs.iter().map(|(key, value)| format!("{key}:{value}")).collect();
    format!("{{{}}}", pairs.join(","))
}

/// Variants of one block: every value replaced, every field removed or given twice, `type` moved,
/// a field added, and the array form with each length and each element replaced.
fn variants(pairs: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    let mut arrangements = vec![pairs.to_vec()];
    let mut type_last = pairs[1..].to_vec();
    type_last.push(pairs[0].clone());
    arrangements.push(type_last);
    for pairs in &arrangements {
        out.push(object(pairs));
        for index in 0..pairs.len() {
            for value in values() {
                let mut changed = pairs.clone();
                changed[index].1 = value;
                out.push(object(&changed));
            }
            let mut removed = pairs.clone();
            removed.remove(index);
            out.push(object(&removed));
            let mut twice = pairs.clone();
            twice.push(pairs[index].clone());
            out.push(object(&twice));
            let mut twice_null = pairs.clone();
            twice_null.insert(index + 1, (pairs[index].0.clone(), "null".into()));
            out.push(object(&twice_null));
        }
        for value in values() {
            let mut added = pairs.clone();
            added.insert(1, ("\"bogus\"".into(), value));
            out.push(object(&added));
        }
    }
    let elements: Vec<String> = pairs.iter().map(|(_, value)| value.clone()).collect();
    for length in 0..=elements.len() + 1 {
        let mut array = elements.iter().take(length).cloned().collect::<Vec<_>>();
        array.resize(length, "7".into());
        out.push(format!("[{}]", array.join(",")));
        for index in 0..length {
            for value in values() {
                let mut changed = array.clone();
                changed[index] = value;
                out.push(format!("[{}]", changed.join(",")));
            }
        }
    }
    out
}

#[test]
fn blocks_and_errors_are_the_derives_for_broken_variants_of_real_blocks() {
    let good = r#"{"type":"text","text":"ok"}"#;
    let mut blocks: Vec<String> = bases().iter().flat_map(|pairs| variants(pairs)).collect();
    blocks.extend(values());
    let mut checked = 0;
    for block in &blocks {
        for content in [
            format!("[{block}]"),
            format!("[{block},{good}]"),
            format!("[{good}, {block} ]"),
            format!("[\n {block} ,\n {good}\n]"),
        ] {
            for text in
                [format!(r#"{{"content":{content},"role":"assistant"}}"#), format!(r#"{{"content":{content}}}"#)]
            {
                let (read, derived) = placed_as_input_is(read(&text), derived(&text), &text);
                assert_eq!(read, derived, "{text}");
                checked += 1;
            }
        }
    }
    for text in
        [r#"{"content":null}"#, r#"{"role":"x"}"#, r#"{"content":"x"}"#, r#"{"content":{}}"#, r#"{"content":[]}"#]
    {
        assert_eq!(read(text), derived(text), "{text}");
    }
    assert!(checked > 10_000, "{checked} variants checked");
}

#[test]
fn a_text_cut_short_fails_as_the_derive_does() {
    let text = r#"{"content":[{"type":"tool_use","id":"t","name":"n","input":{"a":[1,"b"]}},["thinking","hm",null],{"text":"x","type":"text"}],"role":"assistant"}"#;
    for end in 0..text.len() {
        assert_eq!(read(&text[..end]), derived(&text[..end]), "{}", &text[..end]);
    }
}

#[test]
fn fields_before_type_unknown_fields_and_unknown_kinds_are_read() {
    let text = r#"{"content":[{"text":"Hi","citations":[{"x":1}],"type":"text"},{"type":"web_search_tool_result","content":[]},{"name":"f","type":"tool_use"}]}"#;
    let expected = vec![
        Block::Text { text: "Hi".into() },
        Block::Other,
        Block::ToolUse { id: None, name: "f".into(), input: Value::Null },
    ];
    assert_eq!(read(text), Ok(Some(expected)));
}

#[test]
fn missing_type_duplicate_fields_and_wrong_types_are_refused() {
    let cases = [
        // Raised by the block's reader, after its end.
        (r#"{"content":[{"text":"Hi"}]}"#, "missing field `type` at line 1 column 25"),
        (r#"{"content":[{"type":"text","type":"text"}]}"#, "duplicate field `type` at line 1 column 33"),
        // Raised once the block's fields are read: before its closing brace.
        (r#"{"content":[{"type":"text","text":"a","text":"b"}]}"#, "duplicate field `text` at line 1 column 49"),
        (
            r#"{"content":[{"type":"text","text":5}]}"#,
            "invalid type: integer `5`, expected a string at line 1 column 36",
        ),
        (
            r#"{"content":[{"type":"tool_use","input":{}},{"type":"text","text":"x"}]}"#,
            "missing field `name` at line 1 column 42",
        ),
        (r#"{"content":[{"type":5}]}"#, "invalid type: integer `5`, expected variant identifier at line 1 column 21"),
        // An array is not a block (the derive read it by position).
        (
            r#"{"content":[["text","Hi"]]}"#,
            "invalid type: sequence, expected a content block object at line 1 column 12",
        ),
    ];
    for (text, message) in cases {
        assert_eq!(read(text), Err(message.to_owned()), "{text}");
    }
}
