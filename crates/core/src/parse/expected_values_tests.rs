//! A value of the wrong type says what its field takes, in the request's words: the names an enum
//! takes (serde_json said "expected value" for a number where a name belongs, and serde "expected
//! string or map" inside a message part), and the shapes of `toolChoice`, `systemPrompt` and
//! `input` (serde said "data did not match any variant of untagged enum ToolChoice"). Found by a
//! new-user trial.

use super::parse_request;
use crate::CoreError;

fn refusal(text: &str) -> (String, String) {
    match parse_request(2, text) {
        Err(CoreError::Validation { field, message, index, .. }) => {
            assert_eq!(index, Some(2), "{text}");
            (field, message)
        }
        other => panic!("{text}: expected a validation error, got {other:?}"),
    }
}

#[test]
fn a_value_of_the_wrong_type_names_what_the_field_takes() {
    let hi = r#""messages":[{"role":"user","content":"hi"}]"#;
    let tools = r#""tools":[{"name":"f","parameters":{"type":"object"}}]"#;
    let image = |source: &str| {
        format!(
            r#""messages":[{{"role":"user","content":[{{"type":"image","sourceType":{source},"data":"https://x/a.png"}}]}}]"#
        )
    };
    let efforts = "one of `none`, `minimal`, `low`, `medium`, `high`, `xhigh`, `max`";
    let choice = "`auto`, `none`, `required` or {\"name\": <a tool's name>}";
    let cases: Vec<(String, &str, String)> = vec![
        (format!(r#"{hi},"reasoning":{{"effort":3}}"#), "reasoning.effort", format!("invalid type: integer `3`, expected {efforts}")),
        (format!(r#"{hi},"reasoning":{{"effort":["low"]}}"#), "reasoning.effort", format!("invalid type: array, expected {efforts}")),
        (format!(r#"{hi},"reasoning":{{"effort":"extreme"}}"#), "reasoning.effort", format!("unknown value `extreme`, expected {efforts}")),
        (r#""messages":[{"role":5,"content":"hi"}]"#.into(), "messages[0].role", "invalid type: integer `5`, expected one of `user`, `assistant`, `tool`".into()),
        (r#""messages":[{"role":"robot","content":"hi"}]"#.into(), "messages[0].role", "unknown value `robot`, expected one of `user`, `assistant`, `tool`".into()),
        (image(r#"["url"]"#), "messages[0].content[0].sourceType", "invalid type: array, expected one of `base64`, `url`, `file_uri`".into()),
        (image(r#""file""#), "messages[0].content[0].sourceType", "unknown value `file`, expected one of `base64`, `url`, `file_uri`".into()),
        (format!(r#"{hi},"systemPrompt":"s","systemPromptCacheControl":{{"ttl":true}}"#), "systemPromptCacheControl.ttl", "invalid type: boolean `true`, expected `5m` or `1h`".into()),
        (r#""messages":[{"role":"user","content":[{"type":"text","text":"hi","cacheControl":{"ttl":5}}]}]"#.into(), "messages[0].content[0].cacheControl", "invalid type: integer `5`, expected `5m` or `1h`".into()),
        (format!(r#"{hi},"responseFormat":{{"type":1}}"#), "responseFormat.type", "invalid type: integer `1`, expected `json`".into()),
        (format!(r#"{hi},{tools},"toolChoice":["f"]"#), "toolChoice", format!("invalid type: array, expected {choice}")),
        (format!(r#"{hi},{tools},"toolChoice":"sometimes""#), "toolChoice", format!("invalid value: string \"sometimes\", expected {choice}")),
        (format!(r#"{hi},{tools},"toolChoice":5"#), "toolChoice", format!("invalid type: integer `5`, expected {choice}")),
        (format!(r#"{hi},{tools},"toolChoice":{{"name":["f"]}}"#), "toolChoice.name", "invalid type: array, expected a string".into()),
        (format!(r#"{hi},{tools},"toolChoice":{{}}"#), "toolChoice.name", "missing field `name`".into()),
        // Another key was ignored, so a stray `type` forced a call (the trial).
        (format!(r#"{hi},{tools},"toolChoice":{{"name":"f","type":"none"}}"#), "toolChoice.type", unknown_choice_key("type")),
        (format!(r#"{hi},{tools},"toolChoice":{{"type":"function","function":{{"name":"f"}}}}"#), "toolChoice.type", unknown_choice_key("type")),
        (format!(r#"{hi},{tools},"toolChoice":{{"function":{{"name":"f"}}}}"#), "toolChoice.function", unknown_choice_key("function")),
        (format!(r#"{hi},"systemPrompt":{{"text":"a"}}"#), "systemPrompt", "invalid type: object, expected a string or an array of strings".into()),
        (format!(r#"{hi},"systemPrompt":["a",5]"#), "systemPrompt[1]", "invalid type: integer `5`, expected a string".into()),
        (r#""input":"x","taskType":7"#.into(), "taskType", "invalid type: integer `7`, expected one of `retrieval_query`, `retrieval_document`, `semantic_similarity`, `classification`, `clustering`, `question_answering`, `fact_verification`, `code_retrieval_query`, `RETRIEVAL_QUERY`, `RETRIEVAL_DOCUMENT`, `SEMANTIC_SIMILARITY`, `CLASSIFICATION`, `CLUSTERING`, `QUESTION_ANSWERING`, `FACT_VERIFICATION`, `CODE_RETRIEVAL_QUERY`".into()),
        (r#""input":{"a":1}"#.into(), "input", "invalid type: object, expected a string or an array of strings".into()),
        // Rust's number types and serde's "sequence" and "map", in JSON's words (the trial again).
        (format!(r#"{hi},"generationConfig":{{"maxTokens":"100"}}"#), "generationConfig.maxTokens", "invalid type: string \"100\", expected a whole number from 0 to 4294967295".into()),
        (format!(r#"{hi},"generationConfig":{{"maxTokens":-1}}"#), "generationConfig.maxTokens", "invalid value: integer `-1`, expected a whole number from 0 to 4294967295".into()),
        (format!(r#"{hi},"generationConfig":{{"temperature":"hot"}}"#), "generationConfig.temperature", "invalid type: string \"hot\", expected a number".into()),
        (format!(r#"{hi},"generationConfig":{{"seed":"1"}}"#), "generationConfig.seed", "invalid type: string \"1\", expected a whole number".into()),
        (format!(r#"{hi},"generationConfig":{{"stopSequences":"END"}}"#), "generationConfig.stopSequences", "invalid type: string \"END\", expected an array".into()),
        (r#""messages":[{"role":"user","content":[{"type":1,"text":"hi"}]}]"#.into(), "messages[0].content[0].type", "invalid type: integer `1`, expected one of `text`, `image`, `document`, `tool_call`, `tool_result`, `reasoning`, `redacted_reasoning`".into()),
        (format!(r#"{hi},"models":["m"]"#), "models", "invalid type: array, expected an object".into()),
        // Inside a part, the key the part was refused for (the trial: a wrong `mediaType`, `isError`,
        // tool-call `id` or `text` named only the part).
        (r#""messages":[{"role":"user","content":[{"type":"image","sourceType":"base64","mediaType":5,"data":"AA=="}]}]"#.into(), "messages[0].content[0].mediaType", "invalid type: integer `5`, expected a string".into()),
        (r#""messages":[{"role":"user","content":[{"type":"text","text":5}]}]"#.into(), "messages[0].content[0].text", "invalid type: integer `5`, expected a string".into()),
        (r#""messages":[{"role":"user","content":[{"type":"text","text":"hi","colour":"red"}]}]"#.into(), "messages[0].content[0].colour", "unknown field `colour`, expected `text` or `cacheControl`".into()),
        (r#""messages":[{"role":"assistant","content":[{"type":"tool_call","id":7,"name":"f","arguments":{}}]}]"#.into(), "messages[0].content[0].id", "invalid type: integer `7`, expected a string".into()),
        (r#""messages":[{"role":"tool","content":[{"type":"tool_result","toolCallId":"c","content":"ok","isError":"yes"}]}]"#.into(), "messages[0].content[0].isError", "invalid type: string \"yes\", expected a boolean".into()),
        (r#""messages":[{"role":"user","content":[{"type":"text"}]}]"#.into(), "messages[0].content[0].text", "missing field `text`".into()),
    ];
    for (body, field, message) in cases {
        let text = format!(r#"{{"customId":"c-1","model":"m",{body}}}"#);
        assert_eq!(refusal(&text), (field.to_owned(), message), "{text}");
    }
}

fn unknown_choice_key(key: &str) -> String {
    format!(
        "unknown field `{key}`, expected `name`: a toolChoice object is {{\"name\": \"<a tool's name>\"}} (OpenAI's {{\"type\": \"function\", \"function\": {{\"name\": …}}}} and Anthropic's {{\"type\": \"tool\", \"name\": …}} are written so); the modes are the strings \"auto\", \"none\" and \"required\""
    )
}

/// The values written back are the names read (`Serialize` stays derived).
#[test]
fn each_named_value_is_read_back_from_what_is_written() {
    use crate::model::{
        CacheTtl, EmbeddingTaskType, ReasoningEffort, ResponseFormatKind, Role, SourceType, ToolChoice, ToolChoiceMode,
    };
    use serde::de::DeserializeOwned;
    use serde::Serialize;
    fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug + Copy>(
        values: &[T],
        name: fn(T) -> &'static str,
    ) {
        for &value in values {
            let written = serde_json::to_value(value).unwrap();
            assert_eq!(written, serde_json::Value::from(name(value)));
            assert_eq!(serde_json::from_value::<T>(written).unwrap(), value);
        }
    }
    round_trip(&[Role::User, Role::Assistant, Role::Tool], Role::as_str);
    round_trip(
        &[
            ReasoningEffort::None,
            ReasoningEffort::Minimal,
            ReasoningEffort::Low,
            ReasoningEffort::Medium,
            ReasoningEffort::High,
            ReasoningEffort::Xhigh,
            ReasoningEffort::Max,
        ],
        ReasoningEffort::as_str,
    );
    round_trip(&[ToolChoiceMode::Auto, ToolChoiceMode::None, ToolChoiceMode::Required], ToolChoiceMode::as_str);
    round_trip(&[CacheTtl::FiveMinutes, CacheTtl::OneHour], CacheTtl::as_str);
    round_trip(&[SourceType::Base64, SourceType::Url, SourceType::FileUri], SourceType::as_str);
    round_trip(&[ResponseFormatKind::Json], ResponseFormatKind::as_str);
    round_trip(
        &[
            EmbeddingTaskType::RetrievalQuery,
            EmbeddingTaskType::RetrievalDocument,
            EmbeddingTaskType::SemanticSimilarity,
            EmbeddingTaskType::Classification,
            EmbeddingTaskType::Clustering,
            EmbeddingTaskType::QuestionAnswering,
            EmbeddingTaskType::FactVerification,
            EmbeddingTaskType::CodeRetrievalQuery,
        ],
        EmbeddingTaskType::as_str,
    );
    for choice in [ToolChoice::Mode(ToolChoiceMode::Required), ToolChoice::Named { name: "f".into() }] {
        let written = serde_json::to_string(&choice).unwrap();
        assert_eq!(serde_json::from_str::<ToolChoice>(&written).unwrap(), choice, "{written}");
    }
}
