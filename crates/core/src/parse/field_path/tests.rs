//! The paths found here against serde_path_to_error's, the path-tracking deserializer the parser
//! used before, over many broken variants of real requests.

use super::*;

/// serde_path_to_error's path of the error, as the parser named fields before (`.` and `?` are
/// not fields), with its error.
fn reference(text: &str) -> Option<(String, String)> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let error = serde_path_to_error::deserialize::<_, UnifiedRequest>(&mut deserializer).err()?;
    let path = error.path().to_string();
    let path = if path == "." || path == "?" { String::new() } else { path };
    Some((path, error.inner().to_string()))
}

fn found(text: &str) -> Option<(String, String)> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let error = <UnifiedRequest as Deserialize>::deserialize(&mut deserializer).err()?;
    Some((field_path(text, &error), error.to_string()))
}

const RICH: &str = r#"{"customId":"rich-1","model":"gpt-4o","models":{"openai":"gpt-4o","google":"gemini-2.5-flash"},
 "systemPrompt":["Be brief.","Be kind."],"systemPromptCacheControl":{"ttl":"1h"},
 "messages":[
  {"role":"user","content":[{"type":"text","text":"Look","cacheControl":{"ttl":"5m"}},
    {"type":"image","sourceType":"base64","mediaType":"image/png","data":"iVBORw0KGgo="},
    {"type":"document","sourceType":"url","data":"https://example.com/a.pdf","filename":"a.pdf"}]},
  {"role":"assistant","content":[{"type":"reasoning","text":"hm","signature":"sig","provider":"anthropic"},
    {"type":"redacted_reasoning","data":"xx"},
    {"type":"tool_call","id":"call_1","name":"lookup","arguments":{"q":"x","n":[1,2]}}]},
  {"role":"user","content":[{"type":"tool_result","toolCallId":"call_1","content":[{"type":"text","text":"42"}],"isError":false}]},
  {"role":"user","content":"thanks"}],
 "generationConfig":{"maxTokens":5,"temperature":0.5,"topP":0.9,"topK":3,"stopSequences":["a","b"],"seed":7,"candidateCount":1},
 "responseFormat":{"type":"json","schema":{"type":"object"},"name":"answer"},
 "reasoning":{"effort":"low","budgetTokens":1024,"includeThoughts":true},
 "endUserId":"u","tools":[{"name":"lookup","description":"d","parameters":{"type":"object"},"strict":true}],
 "toolChoice":{"name":"lookup"},"parallelToolCalls":false,"promptCacheKey":"k","providerKwargs":{"seed":1,"x":{"y":[1]}}}"#;

const EMBEDDING: &str = r#"{"customId":"e","model":"text-embedding-3-small","input":["a","b"],"dimensions":8,"taskType":"retrieval_query"}"#;

/// Valid requests: the rich ones above (compact and spread over lines with spaces) and every
/// unified request line among the fixtures.
fn corpus() -> Vec<String> {
    let mut texts = vec![RICH.replace('\n', ""), RICH.replace(',', " ,\n  ").replace(':', " : "), EMBEDDING.to_owned()];
    texts.push(r#"{"customId":"t","model":"m","toolChoice":"auto","systemPrompt":"s","messages":[{"role":"user","content":"x"}]}"#.to_owned());
    let mut folders = vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures"))];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|extension| extension == "jsonl") {
                let text = std::fs::read_to_string(&path).unwrap();
                for line in text.lines().map(|line| line.trim_start_matches('\u{feff}').trim_end_matches('\r')) {
                    if serde_json::from_str::<UnifiedRequest>(line).is_ok() {
                        texts.push(line.to_owned());
                    }
                }
            }
        }
    }
    texts
}

/// Variants of a valid request, each with one value or key replaced, one value removed, or one
/// field added.
fn variants(text: &str) -> Vec<String> {
    const VALUES: [&str; 12] = [
        "5",
        "-3",
        "1.5",
        "\"x\"",
        "\"system\"",
        "[]",
        "[1]",
        "{}",
        "{\"bogus\":1}",
        "null",
        "true",
        "{\"type\":\"text\"}",
    ];
    let nodes = Scanner::new(text).scan();
    let mut out = Vec::new();
    for node in &nodes {
        let (start, end) = (node.start, node.end);
        if node.kind == Kind::Key {
            out.push(format!("{}\"bogusKey\"{}", &text[..start], &text[end..]));
            // The same key twice.
            out.push(format!("{}{}:null,{}", &text[..start], &text[start..end], &text[start..]));
            continue;
        }
        for value in VALUES {
            out.push(format!("{}{value}{}", &text[..start], &text[end..]));
        }
        if node.kind == Kind::Container {
            // One more field or element at the end, and the container emptied.
            let inner = &text[start + 1..end - 1];
            let extra = if text.as_bytes()[start] == b'{' { "\"bogus\":1" } else { "7" };
            let separator = if inner.trim().is_empty() { "" } else { "," };
            out.push(format!("{}{{{inner}{separator}{extra}}}{}", &text[..start], &text[end..]).replace("{[", "["));
            let open = &text[start..start + 1];
            let close = &text[end - 1..end];
            out.push(format!("{}{open}{inner}{separator}{extra}{close}{}", &text[..start], &text[end..]));
            out.push(format!("{}{open}{close}{}", &text[..start], &text[end..]));
        }
    }
    out
}

#[test]
fn paths_are_serde_path_to_errors_for_broken_variants_of_real_requests() {
    let mut checked = 0;
    for text in corpus() {
        assert_eq!(found(&text), None, "the corpus holds valid requests: {text}");
        for variant in variants(&text) {
            let Some((expected, expected_message)) = reference(&variant) else { continue };
            let (path, message) = found(&variant).expect("both deserializers refuse the same text");
            assert_eq!(message, expected_message, "{variant}");
            // Text that is not JSON has no field, whatever the path.
            if serde_json::from_str::<serde::de::IgnoredAny>(&variant).is_ok() {
                assert_eq!(path, expected, "{message}: {variant}");
                checked += 1;
            }
        }
    }
    assert!(checked > 2_000, "{checked} broken requests checked");
}

#[test]
fn a_text_cut_short_or_not_json_does_not_panic() {
    for text in [RICH, EMBEDDING] {
        for end in 0..text.len() {
            if text.is_char_boundary(end) {
                let _ = found(&text[..end]);
            }
        }
    }
    let deep = format!("{{\"customId\":{}", "[".repeat(10_000));
    let _ = found(&deep);
}
