//! Base64 and `data:` URL checks, then the same kinds swept across the five providers for images
//! and documents, plus field case 23.

use serde_json::{json, Value};

use super::*;
use crate::test_support::{bodies, fixture, request_for, requests_for, validation};
use crate::Provider;

#[test]
fn standard_padded_base64_passes() {
    for payload in ["iVBORw0KGgo=", "AAAA", "QQ==", "+/+/", "JVBERi0xLjQK"] {
        assert_eq!(check_base64(payload), Ok(()), "{payload}");
    }
}

#[test]
fn every_kind_of_bad_payload_is_refused_with_its_position() {
    let cases = [
        ("", None, "empty"),
        ("AAAA\nBBBB", Some(4), "line break"),
        ("AAAA\r\nBBBB", Some(4), "line break"),
        ("AA AA", Some(2), "whitespace"),
        ("ab-_", Some(2), "URL-safe"),
        ("AAA", None, "multiple of 4"),
        ("A=AA", Some(1), "padding before the end"),
        ("AA===", Some(2), "padding before the end"),
        ("<placeholder>", Some(0), "`<`"),
        ("data:image/png;base64,AAAA", Some(4), "`:`"),
        ("AAAé", Some(3), "`é`"),
    ];
    for (payload, position, reason) in cases {
        let error = check_base64(payload).unwrap_err();
        assert_eq!(error.position, position, "{payload:?}");
        assert!(error.reason.contains(reason), "{payload:?}: {}", error.reason);
    }
}

#[test]
fn data_urls_split_into_media_type_and_payload() {
    assert_eq!(
        split_data_url("data:image/png;base64,AAAA"),
        Ok(Base64Data { url_media_type: Some("image/png"), payload: "AAAA" })
    );
    assert_eq!(
        split_data_url("DATA:application/pdf;name=a.pdf;base64,JVBE"),
        Ok(Base64Data { url_media_type: Some("application/pdf"), payload: "JVBE" })
    );
    assert_eq!(split_data_url("data:;base64,AAAA"), Ok(Base64Data { url_media_type: None, payload: "AAAA" }));
    assert_eq!(split_data_url("AAAA"), Ok(Base64Data { url_media_type: None, payload: "AAAA" }));
    assert!(split_data_url("data:text/plain,hello").unwrap_err().contains(";base64"));
    assert!(split_data_url("data:image/png;base64").unwrap_err().contains("comma"));
}

#[test]
fn media_types_compare_without_case_and_parameters() {
    assert!(same_media_type("image/PNG", "image/png; charset=binary"));
    assert!(!same_media_type("image/png", "image/jpeg"));
}

const PIXEL: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
const PDF: &str = "JVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoKPDwvTGVuZ3RoIDMgMCBSPj4Kc3RyZWFtCg==";

/// A request whose first part is a base64 image or document (`kind`) with `data` and, when given,
/// `mediaType`.
fn media_request(kind: &str, data: &str, media_type: Option<&str>) -> String {
    let media_type = media_type.map(|media_type| format!(r#","mediaType":"{media_type}""#)).unwrap_or_default();
    format!(
        r#"{{"customId":"media-1","model":"MODEL","messages":[{{"role":"user","content":[{{"type":"{kind}","sourceType":"base64","data":"{data}"{media_type}}},{{"type":"text","text":"What is this?"}}]}}],"generationConfig":{{"maxTokens":20}}}}"#
    )
}

/// What the provider received for the first part: (media type, bare base64), read from its own
/// shape, so one assertion covers every provider.
fn sent_media(provider: Provider, body: &Value) -> (String, String) {
    let part = match provider {
        Provider::Google => &body["contents"][0]["parts"][0],
        _ => &body["messages"][0]["content"][0],
    };
    let split_url = |url: &str| {
        let rest = url.strip_prefix("data:").unwrap_or_else(|| panic!("{provider:?}: not a data URL: {url}"));
        let (header, payload) = rest.split_once(',').unwrap();
        assert!(!payload.contains("data:"), "{provider:?}: doubled prefix in {url}");
        (header.strip_suffix(";base64").unwrap().to_owned(), payload.to_owned())
    };
    match provider {
        Provider::Anthropic => {
            let source = &part["source"];
            (source["media_type"].as_str().unwrap().to_owned(), source["data"].as_str().unwrap().to_owned())
        }
        Provider::Google => {
            let blob = &part["inlineData"];
            (blob["mimeType"].as_str().unwrap().to_owned(), blob["data"].as_str().unwrap().to_owned())
        }
        Provider::Mistral => split_url(part["image_url"].as_str().unwrap()),
        Provider::OpenAI | Provider::Vllm | Provider::Groq | Provider::Azure | Provider::Together | Provider::Xai => {
            match part["type"].as_str() {
                Some("file") => split_url(part["file"]["file_data"].as_str().unwrap()),
                _ => split_url(part["image_url"]["url"].as_str().unwrap()),
            }
        }
    }
}

/// Whether the provider takes base64 documents at all (the capability table; others refuse them
/// by `sourceType` before the data is looked at).
fn takes_base64_documents(provider: Provider) -> bool {
    matches!(provider, Provider::OpenAI | Provider::Azure | Provider::Anthropic | Provider::Google)
}

#[test]
fn case_23_a_data_url_reaches_every_provider_as_one_well_formed_payload() {
    let input = fixture("field-cases/23-base64-data-url-prefix/request-data-url.jsonl");
    for provider in Provider::ALL {
        let (bodies, _) = bodies(provider, &requests_for(provider, &input), false).unwrap();
        assert_eq!(sent_media(provider, &bodies[0]), ("image/png".to_owned(), PIXEL.to_owned()), "{provider:?}");
        // Control: the same bytes given bare.
        let plain = request_for(provider, &media_request("image", PIXEL, Some("image/png")));
        let (plain_bodies, _) = crate::test_support::bodies(provider, &[plain], false).unwrap();
        assert_eq!(sent_media(provider, &plain_bodies[0]), ("image/png".to_owned(), PIXEL.to_owned()), "{provider:?}");
    }
}

#[test]
fn a_data_url_supplies_or_must_agree_with_the_media_type_for_images_and_documents() {
    for provider in Provider::ALL {
        for (kind, media_type, payload) in [("image", "image/png", PIXEL), ("document", "application/pdf", PDF)] {
            if kind == "document" && !takes_base64_documents(provider) {
                continue;
            }
            let url = format!("data:{media_type};base64,{payload}");
            let without_type = request_for(provider, &media_request(kind, &url, None));
            let (sent, _) = bodies(provider, &[without_type], false).unwrap();
            assert_eq!(
                sent_media(provider, &sent[0]),
                (media_type.to_owned(), payload.to_owned()),
                "{provider:?} {kind}"
            );

            let other = if kind == "image" { "image/jpeg" } else { "text/plain" };
            let mismatch = request_for(provider, &media_request(kind, &url, Some(other)));
            let (index, field, message) = validation(bodies(provider, &[mismatch], false).unwrap_err());
            assert_eq!((index, field.as_str()), (Some(0), "messages[0].content[0].mediaType"), "{provider:?} {kind}");
            assert!(message.contains(media_type) && message.contains(other), "{message}");
        }
    }
}

#[test]
fn data_that_is_not_base64_is_refused_for_every_provider_naming_request_and_field() {
    let bad = [
        ("<base64 image here>", "`<`"),
        ("iVBORw0K\\nGgo=", "line break"),
        ("iVBORw0K-_go=", "URL-safe"),
        ("iVBORw0KGgo", "padding"),
        ("data:image/png;base64,data:image/png;base64,iVBORw==", "`:`"),
        ("data:image/png,rawbytes", ";base64"),
    ];
    for provider in Provider::ALL {
        for (kind, media_type) in [("image", "image/png"), ("document", "application/pdf")] {
            for (data, reason) in bad {
                let data = data.replace("image/png", media_type);
                let request = request_for(provider, &media_request(kind, &data, Some(media_type)));
                let (index, field, message) = validation(bodies(provider, &[request], false).unwrap_err());
                assert_eq!(index, Some(0));
                if kind == "document" && !takes_base64_documents(provider) {
                    assert_eq!(field, "messages[0].content[0].sourceType", "{provider:?}");
                    continue;
                }
                assert_eq!(field, "messages[0].content[0].data", "{provider:?} {kind} {data}");
                assert!(message.contains(reason), "{provider:?} {kind} {data}: {message}");
            }
        }
    }
    // The error text names the request by index and custom id.
    let request = request_for(Provider::OpenAI, &media_request("image", "not base64!", Some("image/png")));
    let text = bodies(Provider::OpenAI, &[request], false).unwrap_err().to_string();
    assert!(text.starts_with("request 0 (customId \"media-1\"): messages[0].content[0].data:"), "{text}");
}

#[test]
fn media_helpers_read_the_payload_in_place() {
    let media = MediaContent {
        source_type: SourceType::Base64,
        media_type: None,
        data: format!("data:image/png;base64,{PIXEL}"),
        filename: None,
        cache_control: None,
    };
    assert_eq!(payload(&media), PIXEL);
    assert_eq!(media_type(&media), Some("image/png"));
    let url = MediaContent { source_type: SourceType::Url, data: "https://example.com/data:x".into(), ..media.clone() };
    assert_eq!(payload(&url), "https://example.com/data:x");
    assert_eq!(media_type(&url), None);
    assert_eq!(json!(payload(&media)).as_str(), Some(PIXEL));
}

#[test]
fn the_word_at_a_time_scan_agrees_with_the_byte_rule_for_every_byte_and_position() {
    let alphabet: Vec<u8> = (0..=255u8).filter(|byte| is_alphabet(*byte)).collect();
    assert_eq!(alphabet, b"+/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
    for byte in 0..=255u8 {
        for position in 0..21 {
            let mut bytes = vec![b'A'; 21];
            bytes[position] = byte;
            let expected = (!is_alphabet(byte)).then_some(position);
            assert_eq!(first_invalid(&bytes), expected, "byte {byte:#04x} at {position}");
        }
    }
}

#[test]
fn a_data_url_given_as_a_url_or_file_uri_source_is_refused_pointing_at_base64() {
    for (source, scheme) in [("url", "data"), ("file_uri", "data"), ("file_uri", "DATA")] {
        let json = format!(
            r#"{{"customId":"u","model":"MODEL","messages":[{{"role":"user","content":[{{"type":"image","sourceType":"{source}","data":"{scheme}:image/png;base64,{PIXEL}"}}]}}]}}"#
        );
        for provider in Provider::ALL {
            let (_, field, message) = validation(bodies(provider, &[request_for(provider, &json)], false).unwrap_err());
            assert_eq!(field, "messages[0].content[0].sourceType", "{provider:?} {source}");
            assert!(message.contains("sourceType \"base64\""), "{provider:?} {source}: {message}");
        }
    }
}

#[test]
fn media_types_in_any_case_or_with_spaces_reach_every_provider_in_lower_case() {
    // A type and subtype are case-insensitive (RFC 2045 §5.1); Anthropic compares them exactly.
    let spellings: [(&str, Option<&str>); 6] = [
        ("PIXEL", Some("IMAGE/PNG")),
        ("PIXEL", Some("image/png ")),
        ("PIXEL", Some(" Image/Png")),
        ("DATA:IMAGE/PNG;base64,PIXEL", None),
        ("data:Image/PNG ;BASE64,PIXEL", None),
        ("data:image/png;base64,PIXEL", Some("IMAGE/PNG")),
    ];
    for provider in Provider::ALL {
        for (data, media_type) in spellings {
            let data = data.replace("PIXEL", PIXEL);
            let request = request_for(provider, &media_request("image", &data, media_type));
            let (sent, _) = bodies(provider, &[request], false)
                .unwrap_or_else(|error| panic!("{provider:?} {data:.30} {media_type:?}: {error}"));
            assert_eq!(
                sent_media(provider, &sent[0]),
                ("image/png".to_owned(), PIXEL.to_owned()),
                "{provider:?} {media_type:?}"
            );
        }
        if takes_base64_documents(provider) {
            let request = request_for(provider, &media_request("document", PDF, Some("Application/PDF")));
            let (sent, _) = bodies(provider, &[request], false).unwrap();
            assert_eq!(sent_media(provider, &sent[0]), ("application/pdf".to_owned(), PDF.to_owned()), "{provider:?}");
        }
    }
    // Parameters are kept as written; only the type and subtype are lower-cased.
    let text = format!(
        r#"{{"customId":"p","model":"m","messages":[{{"role":"user","content":[{{"type":"document","sourceType":"base64","mediaType":"Text/Plain; charset=UTF-8","data":"{PDF}"}}]}}]}}"#
    );
    let request = crate::parse::parse_request_lines(&text).unwrap().remove(0);
    let crate::model::MessageContent::Parts(parts) = &request.messages[0].content else { panic!() };
    let crate::ContentPart::Document(document) = &parts[0] else { panic!() };
    assert_eq!(document.media_type.as_deref(), Some("text/plain; charset=UTF-8"));
}
