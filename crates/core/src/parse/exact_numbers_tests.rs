//! Numbers a request gives are read to the nearest double, as `JSON.parse` reads them, in every
//! field that can hold one the user wrote with more digits than serde_json's default reader
//! rounds exactly.

use super::parse_request;
use crate::{ContentPart, CoreError, MessageContent};

/// Decimals of 16 and 17 digits that serde_json's default reader is one unit off for (each is
/// checked below), one per field.
const NUMBERS: [&str; 9] = [
    "0.9856906946328695",
    "0.21291890726713458",
    "-1.4773355656342497",
    "0.39320876168096763",
    "459.41893608499356",
    "952.7748876091051",
    "0.9259338926496359",
    "10.561713035236913",
    "1.6693281922771905",
];

fn nearest(index: usize) -> f64 {
    NUMBERS[index].parse().unwrap()
}

fn request_text() -> String {
    let n = NUMBERS;
    format!(
        r#"{{"customId":"a","model":"m","messages":[{{"role":"user","content":"hi"}},
        {{"role":"assistant","content":[{{"type":"text","text":"x"}},{{"type":"tool_call","id":"c","name":"f","arguments":{{"x":{7},"y":[1,{8}]}}}}]}},
        {{"role":"assistant","content":[{{"name":"g","arguments":{{"z":{8}}},"type":"tool_call"}}]}}],
        "generationConfig":{{"temperature":{0},"topP":{1},"presencePenalty":{2},"frequencyPenalty":{3}}},
        "tools":[{{"name":"f","parameters":{{"type":"object","maximum":{5}}}}}],
        "responseFormat":{{"type":"json","schema":{{"minimum":{4}}}}},"providerKwargs":{{"big":{6}}}}}"#,
        n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7], n[8]
    )
}

#[test]
fn long_numbers_in_a_request_are_the_nearest_doubles() {
    // The test has teeth: serde_json's own reader gets every one of them wrong.
    for number in NUMBERS {
        let serde_read = serde_json::from_str::<f64>(number).unwrap();
        assert_ne!(serde_read.to_bits(), number.parse::<f64>().unwrap().to_bits(), "{number}");
    }
    let request = parse_request(0, &request_text()).unwrap();
    let config = request.generation_config.as_ref().unwrap();
    assert_eq!(
        [config.temperature, config.top_p, config.presence_penalty, config.frequency_penalty],
        [Some(nearest(0)), Some(nearest(1)), Some(nearest(2)), Some(nearest(3))]
    );
    let schema = request.response_format.as_ref().unwrap().schema.as_ref().unwrap();
    assert_eq!(schema["minimum"].as_f64(), Some(nearest(4)));
    assert_eq!(request.tools.as_ref().unwrap()[0].parameters["maximum"].as_f64(), Some(nearest(5)));
    assert_eq!(request.provider_kwargs.as_ref().unwrap()["big"].as_f64(), Some(nearest(6)));
    let arguments: Vec<&serde_json::Value> = request.messages[1..]
        .iter()
        .flat_map(|message| match &message.content {
            MessageContent::Parts(parts) => parts.iter().collect(),
            MessageContent::Text(_) => Vec::new(),
        })
        .filter_map(|part| match part {
            ContentPart::ToolCall(call) => Some(&call.arguments),
            _ => None,
        })
        .collect();
    assert_eq!(arguments.len(), 2);
    assert_eq!(arguments[0]["x"].as_f64(), Some(nearest(7)));
    assert_eq!(arguments[0]["y"][1].as_f64(), Some(nearest(8)));
    // A tool call whose type is not its first key.
    assert_eq!(arguments[1]["z"].as_f64(), Some(nearest(8)));
}

/// A field read from its own text refuses the same nesting as serde_json reading the whole request.
#[test]
fn nesting_is_refused_where_serde_json_refuses_it() {
    let fields = [
        r#""providerKwargs":{"a":NEST}"#,
        r#""responseFormat":{"type":"json","schema":{"a":NEST}}"#,
        r#""tools":[{"name":"f","parameters":{"a":NEST}}]"#,
        r#""messages":[{"role":"assistant","content":[{"type":"tool_call","name":"f","arguments":{"a":NEST}}]}]"#,
    ];
    for field in fields {
        let mut accepted = 0;
        for depth in 118..130 {
            // A float inside, so that tool-call arguments are read again.
            let nest = format!("{}0.5{}", "[".repeat(depth), "]".repeat(depth));
            let text = format!(r#"{{"customId":"a","model":"m",{}}}"#, field.replace("NEST", &nest));
            let whole = serde_json::from_str::<serde_json::Value>(&text);
            let request = parse_request(0, &text);
            assert_eq!(request.is_ok(), whole.is_ok(), "{depth}: {field}: {request:?}");
            if let Err(crate::CoreError::Validation { message, .. }) = request {
                assert_eq!(message, crate::error::in_json_words("recursion limit exceeded"), "{depth}: {field}");
            }
            accepted += usize::from(whole.is_ok());
        }
        assert!((1..12).contains(&accepted), "{field}: the limit falls inside the range tried");
    }
}

/// Errors inside these fields keep serde_json's messages (in JSON's words: `parse::explain`) and paths.
#[test]
fn errors_in_fields_read_from_their_text_keep_their_messages() {
    let cases = [
        (
            r#""generationConfig":{"temperature":"x"}"#,
            "generationConfig.temperature",
            "invalid type: string \"x\", expected a number",
        ),
        (r#""generationConfig":{"topP":[1]}"#, "generationConfig.topP", "invalid type: array, expected a number"),
        (r#""generationConfig":{"topP":1e400}"#, "generationConfig.topP", "number out of range"),
        (r#""providerKwargs":[1]"#, "providerKwargs", "invalid type: array, expected an object"),
        (r#""providerKwargs":5"#, "providerKwargs", "invalid type: integer `5`, expected an object"),
        // At the number, as serde_json's reader of the whole text places it (`placed`).
        (r#""providerKwargs":{"a":{"b":1e400}}"#, "providerKwargs.a.b", "number out of range"),
        (r#""responseFormat":{"type":"json","schema":-1e999}"#, "responseFormat.schema", "number out of range"),
        (r#""tools":[{"name":"f","parameters":"\ud800"}]"#, "tools[0].parameters", "unexpected end of hex escape"),
    ];
    for (field_text, field, message) in cases {
        let text = format!(r#"{{"customId":"a","model":"m",{field_text}}}"#);
        let error = parse_request(0, &text).unwrap_err();
        let crate::CoreError::Validation { field: named, message: said, .. } = error else { panic!("{text}") };
        assert_eq!((named.as_str(), said.as_str()), (field, message), "{text}");
        // Where the text is no JSON value at all, serde_json's reader of the whole text says the same.
        if let Err(whole) = serde_json::from_str::<serde_json::Value>(&text) {
            assert!(whole.to_string().starts_with(&format!("{message} at line 1")), "{whole}: {text}");
        }
    }
    // Null is no value, as before.
    let request =
        parse_request(0, r#"{"customId":"a","model":"m","generationConfig":{"topP":null},"providerKwargs":null}"#)
            .unwrap();
    assert_eq!((request.generation_config.unwrap().top_p, request.provider_kwargs), (None, None));
}

/// Found by a new-user trial: errors inside the fields read from their own text, and floats quoted
/// in the message of an integer field, as serde_json's reader of the whole text (with
/// `float_roundtrip`, as before) gave them.
#[test]
fn errors_name_the_place_and_quote_the_number_as_before() {
    let request =
        |extra: &str| format!(r#"{{"customId":"c","model":"m","messages":[{{"role":"user","content":"hi"}}]{extra}}}"#);
    let cases = [
        (
            r#","providerKwargs":{"logit_bias":{"50256":1e400}}"#,
            "providerKwargs.logit_bias.50256",
            "number out of range",
        ),
        (
            r#","responseFormat":{"type":"json","schema":{"properties":{"n":{"enum":[1e400]}}}}"#,
            "responseFormat.schema.properties.n.enum[0]",
            "number out of range",
        ),
        (
            r#","tools":[{"name":"f","parameters":{"properties":{"x":{"default":-1e999}}}}]"#,
            "tools[0].parameters.properties.x.default",
            "number out of range",
        ),
        (
            r#","generationConfig":{"maxTokens":4.449e-20}"#,
            "generationConfig.maxTokens",
            "invalid type: floating point `4.449e-20`, expected a whole number from 0 to 4294967295",
        ),
        (
            r#","generationConfig":{"seed":2.4703282292062328e-324 }"#,
            "generationConfig.seed",
            "invalid type: floating point `5e-324`, expected a whole number",
        ),
    ];
    for (extra, field, message) in cases {
        let Err(CoreError::Validation { field: got_field, message: got_message, .. }) =
            parse_request(0, &request(extra))
        else {
            panic!("{extra}: an error expected")
        };
        assert_eq!((got_field.as_str(), got_message.as_str()), (field, message), "{extra}");
    }
    let deep = format!(r#","providerKwargs":{{"a":{}1{}}}"#, "[".repeat(130), "]".repeat(130));
    let Err(CoreError::Validation { field, message, .. }) = parse_request(0, &request(&deep)) else { panic!() };
    assert_eq!(message, "nested too deeply: at most 127 arrays and objects may stand inside one another");
    assert!(field.starts_with("providerKwargs.a[0][0]"), "{field}");
}
