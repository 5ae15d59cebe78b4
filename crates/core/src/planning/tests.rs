use super::*;
use crate::parse::parse_request;
use crate::providers::anthropic::body_bytes;

fn request(custom_id: &str, model: &str, text: &str) -> UnifiedRequest {
    let json = serde_json::json!({
        "customId": custom_id,
        "model": model,
        "messages": [{"role": "user", "content": text}],
        "generationConfig": {"maxTokens": 16},
    });
    parse_request(0, &json.to_string()).unwrap()
}

fn requests(count: usize, model: &str) -> Vec<UnifiedRequest> {
    (0..count).map(|index| request(&format!("r{index}"), model, &format!("question {index}"))).collect()
}

fn plan(provider: Provider, requests: &[UnifiedRequest], options: PlanOptions) -> JobPlan {
    plan_job(provider, requests, &PrepareOptions::default(), &options).unwrap()
}

fn ranges(plan: &JobPlan) -> Vec<Vec<[usize; 2]>> {
    plan.chunks.iter().map(|chunk| chunk.request_ranges.clone()).collect()
}

/// Every request is in exactly one chunk.
fn assert_partition(plan: &JobPlan) {
    let mut seen = vec![0; plan.request_count];
    for chunk in &plan.chunks {
        let positions: Vec<usize> = expand_ranges(&chunk.request_ranges).collect();
        assert_eq!(positions.len(), chunk.request_count);
        for position in positions {
            seen[position] += 1;
        }
    }
    assert!(seen.iter().all(|count| *count == 1), "{seen:?}");
}

#[test]
fn the_limits_come_from_the_one_table() {
    let default = PlanOptions::default();
    let openai = chunk_limits(Provider::OpenAI, None, &default).unwrap();
    assert_eq!((openai.max_requests, openai.max_bytes, openai.inline_body), (50_000, 200_000_000, false));
    assert!(openai.one_model_per_batch);
    let anthropic = chunk_limits(Provider::Anthropic, None, &default).unwrap();
    assert_eq!((anthropic.max_requests, anthropic.max_bytes, anthropic.inline_body), (100_000, 256_000_000, true));
    assert!(!anthropic.one_model_per_batch);
    let gemini_file = chunk_limits(Provider::Google, None, &default).unwrap();
    assert_eq!((gemini_file.max_bytes, gemini_file.inline_body), (2_000_000_000, false));
    let gemini_inline = chunk_limits(Provider::Google, Some(SubmitRoute::Inline), &default).unwrap();
    assert_eq!((gemini_inline.max_bytes, gemini_inline.inline_body), (19_999_999, true));
    let mistral_inline = chunk_limits(Provider::Mistral, Some(SubmitRoute::Inline), &default).unwrap();
    assert_eq!(mistral_inline.max_requests, 9_999);
    let mistral_file = chunk_limits(Provider::Mistral, Some(SubmitRoute::File), &default).unwrap();
    assert_eq!((mistral_file.max_requests, mistral_file.max_bytes), (1_000_000, 512_000_000));
    assert!(chunk_limits(Provider::Vllm, None, &default).unwrap().one_model_per_batch);
    // A caller may lower a limit, never raise it.
    let lowered = PlanOptions { max_requests_per_batch: Some(10), max_bytes_per_batch: Some(999_999_999_999) };
    let openai = chunk_limits(Provider::OpenAI, None, &lowered).unwrap();
    assert_eq!((openai.max_requests, openai.max_bytes), (10, 200_000_000));
    let zero = PlanOptions { max_requests_per_batch: Some(0), ..PlanOptions::default() };
    assert!(chunk_limits(Provider::OpenAI, None, &zero).is_err());
}

#[test]
fn an_oversized_batch_is_cut_at_the_request_limit() {
    let job = requests(50_001, "gpt-4o-mini");
    let plan = plan(Provider::OpenAI, &job, PlanOptions::default());
    assert_eq!(ranges(&plan), vec![vec![[0, 50_000]], vec![[50_000, 50_001]]]);
    assert_eq!(plan.chunks[0].request_count, 50_000);
    assert_eq!(plan.chunks[0].model.as_deref(), Some("gpt-4o-mini"));
}

#[test]
fn smaller_limits_cut_in_request_order() {
    let job = requests(7, "gpt-4o-mini");
    let plan = plan(Provider::OpenAI, &job, PlanOptions { max_requests_per_batch: Some(3), ..PlanOptions::default() });
    assert_eq!(ranges(&plan), vec![vec![[0, 3]], vec![[3, 6]], vec![[6, 7]]]);
    assert_partition(&plan);
}

#[test]
fn several_models_become_one_batch_per_model_where_the_provider_takes_one() {
    for (provider, small, large) in [
        (Provider::OpenAI, "gpt-4o-mini", "gpt-4o"),
        (Provider::Vllm, "gpt-4o-mini", "gpt-4o"),
        (Provider::Mistral, "mistral-small-latest", "mistral-large-latest"),
    ] {
        let job = vec![
            request("a", small, "one"),
            request("b", large, "two"),
            request("c", small, "three"),
            request("d", small, "four"),
            request("e", large, "five"),
        ];
        let plan = plan(provider, &job, PlanOptions::default());
        assert_eq!(ranges(&plan), vec![vec![[0, 1], [2, 4]], vec![[1, 2], [4, 5]]], "{provider:?}");
        let models: Vec<_> = plan.chunks.iter().map(|chunk| chunk.model.as_deref()).collect();
        assert_eq!(models, [Some(small), Some(large)]);
        assert_partition(&plan);
    }
    let job_of = |first: &str, second: &str| -> Vec<UnifiedRequest> {
        ["a", "b", "c", "d", "e"]
            .iter()
            .zip([first, second, first, first, second])
            .map(|(id, model)| request(id, model, "text"))
            .collect()
    };
    assert_eq!(
        plan(Provider::Google, &job_of("gemini-2.5-flash", "gemini-2.5-pro"), PlanOptions::default()).chunks.len(),
        2
    );
    // Anthropic batches mix models.
    let anthropic = plan(Provider::Anthropic, &job_of("claude-haiku-4-5", "claude-sonnet-4-5"), PlanOptions::default());
    assert_eq!(ranges(&anthropic), vec![vec![[0, 5]]]);
    assert_eq!(anthropic.chunks[0].model, None);
}

#[test]
fn bytes_are_an_upper_bound_of_what_is_sent() {
    let job: Vec<_> = (0..40)
        .map(|index| request(&format!("id with spaces {index}"), "claude", &"x".repeat(1 + index * 37)))
        .collect();
    for (provider, route) in [
        (Provider::OpenAI, None),
        (Provider::Anthropic, None),
        (Provider::Mistral, Some(SubmitRoute::File)),
        (Provider::Mistral, Some(SubmitRoute::Inline)),
        (Provider::Google, Some(SubmitRoute::File)),
    ] {
        let options = PrepareOptions { route, ..PrepareOptions::default() };
        let inline = chunk_limits(provider, route, &PlanOptions::default()).unwrap().inline_body;
        let max_bytes = 10_000 + if inline { INLINE_ENVELOPE_BYTES } else { 0 };
        let limits = PlanOptions { max_bytes_per_batch: Some(max_bytes), ..PlanOptions::default() };
        let plan = plan_job(provider, &job, &options, &limits).unwrap();
        assert!(plan.chunks.len() > 1, "{provider:?} {route:?}: the limit should cut the job");
        assert_partition(&plan);
        let api = preparation_api(provider).unwrap();
        for chunk in &plan.chunks {
            assert!(chunk.bytes <= max_bytes);
            let members: Vec<_> = expand_ranges(&chunk.request_ranges).map(|index| job[index].clone()).collect();
            let prepared = api.prepare(&members, &options).unwrap();
            let sent =
                if plan.limits.inline_body { body_bytes(prepared.summary.bytes) } else { prepared.summary.bytes };
            assert!(sent <= chunk.bytes, "{provider:?} {route:?}: sent {sent} > planned {}", chunk.bytes);
        }
    }
}

#[test]
fn a_bad_request_is_named_by_its_position_in_the_job() {
    let mut job = requests(5, "gpt-4o-mini");
    job[3].messages.clear();
    let error = plan_job(Provider::OpenAI, &job, &PrepareOptions::default(), &PlanOptions::default()).unwrap_err();
    let CoreError::Validation { index, custom_id, .. } = error else { panic!("{error:?}") };
    assert_eq!((index, custom_id.as_deref()), (Some(3), Some("r3")));
}

#[test]
fn custom_ids_are_unique_across_the_job() {
    let job = vec![request("same", "gpt-4o-mini", "a"), request("same", "gpt-4o", "b")];
    let error = plan_job(Provider::OpenAI, &job, &PrepareOptions::default(), &PlanOptions::default()).unwrap_err();
    assert!(error.to_string().contains("duplicate customId"), "{error}");
    assert!(plan_job(Provider::OpenAI, &[], &PrepareOptions::default(), &PlanOptions::default()).is_err());
}

#[test]
fn a_request_too_large_for_any_batch_is_refused() {
    let job = vec![request("small", "gpt-4o-mini", "a"), request("huge", "gpt-4o-mini", &"x".repeat(5000))];
    let limits = PlanOptions { max_bytes_per_batch: Some(1000), ..PlanOptions::default() };
    let error = plan_job(Provider::OpenAI, &job, &PrepareOptions::default(), &limits).unwrap_err();
    let CoreError::Validation { index, message, .. } = error else { panic!() };
    assert_eq!(index, Some(1));
    assert!(message.contains("over the 1000 bytes plan.maxBytesPerBatch allows one batch"), "{message}");
}

#[test]
fn an_inline_request_too_large_says_the_reserve_it_is_counted_with() {
    // Anthropic's batches are inline: a reserve for the create body is counted with every line, and
    // the error gives the sum it compared (a trial read "142 bytes, over the 16525 bytes").
    let job = vec![request("a", "claude-haiku-4-5", "hi")];
    let limits = PlanOptions { max_bytes_per_batch: Some(INLINE_ENVELOPE_BYTES + 10), ..PlanOptions::default() };
    let error = plan_job(Provider::Anthropic, &job, &PrepareOptions::default(), &limits).unwrap_err();
    let CoreError::Validation { index, custom_id, message, .. } = error else { panic!() };
    assert_eq!((index, custom_id.as_deref()), (Some(0), Some("a")));
    let size: usize = message["this request alone takes about ".len()..].split(' ').next().unwrap().parse().unwrap();
    assert_eq!(
        message,
        format!(
            "this request alone takes about {size} bytes plus the {INLINE_ENVELOPE_BYTES} bytes kept for the inline create body around the lines, {} in all, over the {} bytes plan.maxBytesPerBatch allows one batch",
            size + INLINE_ENVELOPE_BYTES,
            INLINE_ENVELOPE_BYTES + 10
        )
    );
    assert!(size + INLINE_ENVELOPE_BYTES > INLINE_ENVELOPE_BYTES + 10);
}

#[test]
fn a_request_too_large_for_gemini_inline_alone_is_named() {
    // One 21 MB request among small ones on the forced inline route: refused naming it, not only the
    // route of the whole body.
    let mut job = requests(3, "gemini-2.5-flash");
    job.insert(1, request("big", "gemini-2.5-flash", &"x".repeat(21_000_000)));
    let options = PrepareOptions { route: Some(SubmitRoute::Inline), ..PrepareOptions::default() };
    let error = plan_job(Provider::Google, &job, &options, &PlanOptions::default()).unwrap_err();
    let CoreError::Validation { index, custom_id, field, message, .. } = error else { panic!() };
    assert_eq!((index, custom_id.as_deref(), field.as_str()), (Some(1), Some("big"), "route"));
    assert!(message.starts_with("this request alone: the inline create body would be"), "{message}");
    assert!(message.contains("Use the file route"), "{message}");
}

#[test]
fn metadata_is_checked_once_for_the_job() {
    let job = requests(3, "gpt-4o-mini");
    let mut metadata = serde_json::Map::new();
    metadata.insert("count".into(), serde_json::json!(3));
    let options = PrepareOptions { metadata: Some(metadata), ..PrepareOptions::default() };
    let error = plan_job(Provider::OpenAI, &job, &options, &PlanOptions::default()).unwrap_err();
    assert!(error.to_string().contains("metadata.count"), "{error}");
}
