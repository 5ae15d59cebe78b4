//! Validation before anything is sent: the request's own sense (ids, messages, ranges) and what the
//! chosen provider can honour. Nothing is dropped silently: with `dropUnsupported` a setting the
//! provider cannot express is left out and reported as a warning; otherwise it is an error.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

#[cfg(feature = "tsify")]
use tsify::Tsify;

use crate::error::Invalid;
use crate::limits::{batch_limits, capabilities, Capabilities};
use crate::media_data::{check_base64, same_media_type, split_data_url};
use crate::model::{
    ContentPartRef, MediaContent, ReasoningContent, RedactedReasoningContent, Role, SourceType, SystemPrompt,
    ToolCallContent, UnifiedRequest,
};
use crate::provider_kwargs::Renamed;
use crate::{conversation_rules, model_rules, provider_kwargs, CoreError, Endpoint, Provider};

/// The image types OpenAI reads (spec, `image_url.url`: "must be a supported image types: jpeg,
/// jpg, png, gif, webp").
const OPENAI_IMAGE_MEDIA_TYPES: [&str; 4] = ["image/jpeg", "image/png", "image/gif", "image/webp"];

/// Whether `text` starts with a URI scheme (`scheme:` and more, RFC 3986 §3.1).
fn has_uri_scheme(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once(':') else { return false };
    !rest.is_empty()
        && scheme.starts_with(|first: char| first.is_ascii_alphabetic())
        && scheme.bytes().all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'+' | b'-' | b'.'))
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct ValidationOptions {
    /// Leave out settings the provider cannot express (reported as warnings) instead of failing.
    #[serde(default)]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub drop_unsupported: bool,
    /// The provider API version the batch is created with, where model rules depend on it
    /// (Anthropic: `2023-06-01`, the default, or `2026-10-21`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub api_version: Option<String>,
    /// The batch goes to a custom base URL (a proxy may route any model): a model of another
    /// provider's family is then a warning, not an error.
    #[serde(default)]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub custom_base_url: bool,
    /// The model for every request of the batch, replacing the requests' `model` and `models`
    /// (a job's or the CLI's `--model provider=…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub model: Option<String>,
    /// vLLM: the words `vllm run-batch` is started with, separated by spaces, when known
    /// (`VLLMProvider` starting the sidecar); tools and reasoning need some of them
    /// (`conversation_rules::vllm_server`). One string, not a list: a list of strings cost the
    /// wasm module a reader of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub vllm_args: Option<String>,
}

/// Something left out under `dropUnsupported`, or changed so that the provider accepts it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Warning {
    pub index: usize,
    pub custom_id: String,
    pub field: String,
    pub message: String,
}

/// Checks a whole chat batch for `provider`. Returns the warnings for what `dropUnsupported` left out.
pub fn validate_batch(
    provider: Provider,
    requests: &[UnifiedRequest],
    options: &ValidationOptions,
) -> Result<Vec<Warning>, CoreError> {
    Ok(check_batch(provider, requests, options)?.warnings)
}

/// Checks a whole batch for `provider` and `endpoint` (which the provider must offer). Returns the
/// warnings for what `dropUnsupported` left out.
pub fn validate_batch_for(
    provider: Provider,
    endpoint: Endpoint,
    requests: &[UnifiedRequest],
    options: &ValidationOptions,
) -> Result<Vec<Warning>, CoreError> {
    Ok(check_batch_for(provider, endpoint, requests, options)?.warnings)
}

/// A checked batch: the requests as they are to be converted (each request's model for this
/// provider chosen; settings a model rule refuses left out under `dropUnsupported`), the warnings,
/// and notes for the summary (models the rule table does not know).
#[derive(Debug)]
pub struct CheckedBatch<'a> {
    pub requests: Cow<'a, [UnifiedRequest]>,
    pub warnings: Vec<Warning>,
    pub notes: Vec<String>,
}

/// Checks a whole chat batch for `provider` and returns what to convert (see [`CheckedBatch`]).
pub fn check_batch<'a>(
    provider: Provider,
    requests: &'a [UnifiedRequest],
    options: &ValidationOptions,
) -> Result<CheckedBatch<'a>, CoreError> {
    check_batch_for(provider, Endpoint::Chat, requests, options)
}

/// Checks a whole batch for `provider` and `endpoint` (which the provider must offer) and returns
/// what to convert (see [`CheckedBatch`]).
///
/// Owned requests (a `Vec` or `Cow::Owned`) are changed in place where checking changes them;
/// borrowed ones are copied, the whole batch, the first time one changes.
pub fn check_batch_for<'a>(
    provider: Provider,
    endpoint: Endpoint,
    requests: impl Into<Cow<'a, [UnifiedRequest]>>,
    options: &ValidationOptions,
) -> Result<CheckedBatch<'a>, CoreError> {
    let mut requests = requests.into();
    crate::endpoint::check_supported(provider, endpoint)?;
    if requests.is_empty() {
        return Err(CoreError::invalid_batch("requests", "the batch has no requests"));
    }
    let limits = batch_limits(provider);
    if requests.len() > limits.max_requests {
        return Err(CoreError::invalid_batch(
            "requests",
            format!(
                "{} requests exceed the {} limit of {} per batch; split the batch (BatchRouter jobs do this automatically)",
                requests.len(),
                provider.display_name(),
                limits.max_requests
            ),
        ));
    }
    if provider == Provider::Anthropic {
        if let Some(version) = options.api_version.as_deref() {
            if !model_rules::ANTHROPIC_VERSIONS.contains(&version) {
                return Err(CoreError::invalid_batch(
                    "apiVersion",
                    format!(
                        "unknown Anthropic API version \"{version}\"; batch-router knows the rules of {}",
                        model_rules::ANTHROPIC_VERSIONS.join(" and ")
                    ),
                ));
            }
        }
    }
    let api_version = model_rules::effective_api_version(provider, options.api_version.as_deref());
    let capabilities = capabilities(provider, endpoint, api_version);
    let mut warnings = Vec::new();
    choose_models(provider, &mut requests, options)?;
    let mut unknown_models: Vec<(String, usize)> = Vec::new();
    let mut model_facts = model_rules::ModelFactsCache::new(provider, api_version);
    // Every request is checked before an error is raised, so that one run names every invalid
    // request (`Invalid`, `CoreError::Validations`); a request found invalid here is not checked
    // again below.
    let mut invalid = Invalid::default();
    let mut failed = vec![false; requests.len()];
    let mut thinks_by_default = vec![false; requests.len()];
    for index in 0..requests.len() {
        let outcome = (|| -> Result<(), CoreError> {
            let request = &requests[index];
            let lifted = lifted_kwargs(provider, endpoint, index, request)?;
            let (request, renamed) = match &lifted {
                Some((copy, renamed)) => (copy, renamed.as_slice()),
                None => (request, &[][..]),
            };
            let facts = model_facts.facts(&request.model);
            let unknown = facts.unknown;
            thinks_by_default[index] = facts.has(|rule| matches!(rule, model_rules::Rule::ThinksByDefault));
            let mut checker = RequestChecker {
                provider,
                endpoint,
                capabilities,
                options,
                index,
                request,
                renamed,
                warnings: &mut warnings,
                dropped_parts: Vec::new(),
                thinks_by_default: thinks_by_default[index],
            };
            if let Some(owner) = facts.foreign {
                let message = format!(
                    "\"{}\" is a model of {}, not of {}; name a model per provider (the request's `models`, the `model` option, or the CLI's --model {}=MODEL)",
                    request.model,
                    owner.display_name(),
                    provider.display_name(),
                    provider.name()
                );
                if options.custom_base_url {
                    checker.notice("model", format!("{message}; sent anyway because a custom base URL is set"));
                } else {
                    return Err(checker.error("model", message));
                }
            }
            if let Some(embedding) =
                facts.embedding.filter(|embedding| *embedding != (endpoint == Endpoint::Embeddings))
            {
                let message = if embedding {
                    format!(
                        "\"{}\" is an embedding model; a {} batch needs a chat model (or set the batch's endpoint to \"embeddings\")",
                        request.model,
                        endpoint.name()
                    )
                } else {
                    format!(
                        "\"{}\" is a chat model; an embeddings batch needs one of {}'s embedding models",
                        request.model,
                        provider.display_name()
                    )
                };
                if options.custom_base_url {
                    checker.notice("model", format!("{message}; sent anyway because a custom base URL is set"));
                } else {
                    return Err(checker.error("model", message));
                }
            }
            let dropped = model_rules::check(&mut checker, &facts)?;
            if unknown {
                match unknown_models.iter_mut().find(|(model, _)| *model == request.model) {
                    Some((_, count)) => *count += 1,
                    None => unknown_models.push((request.model.clone(), 1)),
                }
            }
            if !dropped.is_empty() {
                // A setting given as a kwarg is left out as that kwarg (written there, or lifted).
                // Given as a kwarg, every kwarg that writes the setting goes (o3's `logprobs` with its
                // `top_logprobs`: left alone, the second was refused for want of the first, a trial found).
                // A path that gives the setting only at one value (Anthropic's `thinking.type`) goes
                // only at that value.
                let kwarg_paths: Vec<(Option<model_rules::Setting>, &'static str)> = dropped
                    .iter()
                    .flat_map(|(setting, source)| match source {
                        Some(given) => setting
                            .kwarg_paths(provider, endpoint)
                            .iter()
                            .chain([given])
                            .map(|path| (Some(*setting), *path))
                            .collect(),
                        None => renamed
                            .iter()
                            .find(|name| name.unified == setting.field())
                            .map(|name| (None, name.kwarg))
                            .into_iter()
                            .collect::<Vec<_>>(),
                    })
                    .collect();
                let request = &mut requests.to_mut()[index];
                for (setting, source) in dropped {
                    if source.is_none() {
                        setting.remove(request);
                    }
                }
                if let Some(kwargs) = &mut request.provider_kwargs {
                    for (setting, path) in kwarg_paths {
                        let goes = |setting: model_rules::Setting| {
                            provider_kwargs::at(kwargs, path).is_some_and(|value| setting.written_by(path, value))
                        };
                        if setting.is_none_or(goes) {
                            provider_kwargs::remove_at(kwargs, path);
                        }
                    }
                }
            }
            // Together's system message content is a string only (`ChatCompletionSystemMessageParam`
            // in its OpenAPI document, togethercomputer/openapi): text parts are joined with a blank
            // line, nothing is left out.
            if provider == Provider::Together {
                if let Some(crate::model::SystemPrompt::Parts(parts)) = &requests[index].system_prompt {
                    if parts.len() > 1 {
                        let joined = parts.join("\n\n");
                        requests.to_mut()[index].system_prompt = Some(crate::model::SystemPrompt::Text(joined));
                    }
                }
            }
            Ok(())
        })();
        if let Err(error) = outcome {
            invalid.push(error)?;
            failed[index] = true;
        }
    }
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(requests.len());
    let mut left_out: Vec<(usize, Vec<(usize, usize)>)> = Vec::new();
    for (index, request) in requests.iter().enumerate() {
        let id = request.custom_id.as_str();
        if id.is_empty() {
            invalid.push(CoreError::invalid(index, id, "customId", "must not be empty"))?;
            continue;
        }
        if let Some(first) = seen.insert(id, index) {
            invalid.push(CoreError::invalid(
                index,
                id,
                "customId",
                format!("duplicate customId, already used by request {first}"),
            ))?;
            continue;
        }
        if failed[index] {
            continue;
        }
        let lifted = match lifted_kwargs(provider, endpoint, index, request) {
            Ok(lifted) => lifted,
            Err(error) => {
                invalid.push(error)?;
                continue;
            }
        };
        let (request, renamed) = match &lifted {
            Some((copy, renamed)) => (copy, renamed.as_slice()),
            None => (request, &[][..]),
        };
        let mut checker = RequestChecker {
            provider,
            endpoint,
            capabilities,
            options,
            index,
            request,
            renamed,
            warnings: &mut warnings,
            dropped_parts: Vec::new(),
            thinks_by_default: thinks_by_default[index],
        };
        if let Err(error) = checker.check() {
            invalid.push(error)?;
            continue;
        }
        if !checker.dropped_parts.is_empty() {
            left_out.push((index, checker.dropped_parts));
        }
    }
    drop(seen);
    invalid.finish()?;
    for (index, parts) in left_out {
        remove_parts(index, &mut requests.to_mut()[index], &parts)?;
    }
    if endpoint == Endpoint::Embeddings {
        crate::embeddings::check_batch_inputs(provider, &requests)?;
    } else {
        warnings.extend(conversation_rules::batch_warning(provider, &requests));
        if provider == Provider::Vllm {
            warnings.extend(conversation_rules::vllm_server::warnings(&requests, options.vllm_args.as_deref()));
        }
    }
    if limits.one_model_per_batch {
        let first_model = &requests[0].model;
        if let Some((index, request)) = requests.iter().enumerate().find(|(_, request)| &request.model != first_model) {
            return Err(CoreError::invalid(
                index,
                &request.custom_id,
                "model",
                format!(
                    "{} batches take one model; request 0 uses \"{first_model}\" and this one \"{}\". Send one batch per model (BatchRouter jobs split them automatically)",
                    provider.display_name(),
                    request.model
                ),
            ));
        }
    }
    let notes = unknown_models
        .into_iter()
        .map(|(model, count)| {
            format!(
                "unknown model \"{model}\" ({count} request{}): the model-rules table has no entry for it on {}, so only {}'s own rules were checked",
                if count == 1 { "" } else { "s" },
                provider.display_name(),
                provider.display_name()
            )
        })
        .collect();
    Ok(CheckedBatch { requests, warnings, notes })
}

/// `request` with the kwargs a unified setting also writes in that setting's place, for checking
/// (`provider_kwargs::lifted`); a kwarg value of the wrong type is refused at its path.
fn lifted_kwargs(
    provider: Provider,
    endpoint: Endpoint,
    index: usize,
    request: &UnifiedRequest,
) -> Result<Option<provider_kwargs::Lifted>, CoreError> {
    provider_kwargs::lifted(provider, endpoint, request).map_err(|(path, message)| {
        CoreError::invalid(index, &request.custom_id, format!("providerKwargs.{path}"), message)
    })
}

/// The requests with each one's model for `provider` in `model` (see [`check_batch`]).
pub fn with_models_chosen<'a>(
    provider: Provider,
    requests: &'a [UnifiedRequest],
    options: &ValidationOptions,
) -> Result<Cow<'a, [UnifiedRequest]>, CoreError> {
    let mut requests = Cow::Borrowed(requests);
    choose_models(provider, &mut requests, options)?;
    Ok(requests)
}

/// The model a request is sent with on `provider`: `option` (the provider's `model` option), else
/// the request's `models` entry for the provider (by name or alias), else its `model`. Costs,
/// budgets and quotas price this model, as [`with_models_chosen`] sends it.
pub fn model_for<'a>(provider: Provider, request: &'a UnifiedRequest, option: Option<&'a str>) -> &'a str {
    option
        .or_else(|| {
            let models = request.models.as_ref()?;
            models
                .iter()
                .find(|(name, _)| matches!(Provider::from_name(name), Ok(named) if named == provider))
                .map(|(_, model)| model.as_str())
        })
        .unwrap_or(&request.model)
}

/// Puts each request's model for `provider` in `model` ([`model_for`]), after checking its
/// `models` entries (known providers, models not empty).
fn choose_models(
    provider: Provider,
    requests: &mut Cow<'_, [UnifiedRequest]>,
    options: &ValidationOptions,
) -> Result<(), CoreError> {
    for index in 0..requests.len() {
        let request = &requests[index];
        if let Some(models) = &request.models {
            let mut named: Vec<(Provider, &str)> = Vec::with_capacity(models.len());
            for (name, model) in models {
                let named_provider = Provider::from_name(name).map_err(|_| {
                    CoreError::invalid(
                        index,
                        &request.custom_id,
                        format!("models.{name}"),
                        format!("unknown provider \"{name}\""),
                    )
                })?;
                // Two aliases of one provider ("gemini" and "google"): either could be sent.
                if let Some((_, first)) = named.iter().find(|(seen, _)| *seen == named_provider) {
                    return Err(CoreError::invalid(
                        index,
                        &request.custom_id,
                        format!("models.{name}"),
                        format!(
                            "names the same provider ({}) as models.{first}; give one model per provider",
                            named_provider.name()
                        ),
                    ));
                }
                named.push((named_provider, name));
                if model.trim().is_empty() {
                    return Err(CoreError::invalid(
                        index,
                        &request.custom_id,
                        format!("models.{name}"),
                        "must not be empty",
                    ));
                }
            }
        }
        let chosen = model_for(provider, request, options.model.as_deref());
        if chosen != request.model {
            let chosen = chosen.to_owned();
            requests.to_mut()[index].model = chosen;
        }
    }
    Ok(())
}

/// Takes the image and document parts validation left out (`dropUnsupported`) out of `request`;
/// a message left with no part is an error naming it (an empty message is no message).
fn remove_parts(index: usize, request: &mut UnifiedRequest, parts: &[(usize, usize)]) -> Result<(), CoreError> {
    for &(message_index, part_index) in parts.iter().rev() {
        if let crate::MessageContent::Parts(content) = &mut request.messages[message_index].content {
            content.remove(part_index);
            if content.is_empty() {
                return Err(CoreError::invalid(
                    index,
                    &request.custom_id,
                    format!("messages[{message_index}].content"),
                    "would be empty once its unsupported parts are left out (dropUnsupported); give a part the provider accepts",
                ));
            }
        }
    }
    Ok(())
}

/// `text` with each `unified` that is not already a kwarg's path (after `providerKwargs.`) written
/// as `kwarg`: a Responses kwarg `reasoning.effort` has the unified field's own name, and replacing
/// it everywhere wrote `providerKwargs.providerKwargs.reasoning.effort` (a new-user trial).
fn replace_unprefixed(text: &str, unified: &str, kwarg: &str) -> String {
    const PREFIX: &str = "providerKwargs.";
    let mut out = String::with_capacity(text.len() + kwarg.len());
    let mut rest = text;
    while let Some(at) = rest.find(unified) {
        let prefixed = rest[..at].ends_with(PREFIX);
        out.push_str(&rest[..at]);
        out.push_str(if prefixed { unified } else { kwarg });
        rest = &rest[at + unified.len()..];
    }
    out.push_str(rest);
    out
}

/// One request under check; the provider-specific rules (`conversation_rules`, `provider_kwargs`)
/// report through it.
pub(crate) struct RequestChecker<'a> {
    pub(crate) provider: Provider,
    pub(crate) endpoint: Endpoint,
    capabilities: Capabilities,
    options: &'a ValidationOptions,
    index: usize,
    pub(crate) request: &'a UnifiedRequest,
    /// Unified fields whose value is a kwarg's (`provider_kwargs::lifted`): reported as the kwarg.
    renamed: &'a [Renamed],
    warnings: &'a mut Vec<Warning>,
    /// Image and document parts left out under `dropUnsupported`, as (message, part) indexes:
    /// taken out of the request before any writer sees it.
    dropped_parts: Vec<(usize, usize)>,
    /// The model thinks when the request leaves thinking out (`Rule::ThinksByDefault`), from the
    /// batch's model facts: the table is matched once per model, not per request.
    pub(crate) thinks_by_default: bool,
}

impl RequestChecker<'_> {
    pub(crate) fn error<'m>(&self, field: impl Into<Cow<'m, str>>, message: impl Into<Cow<'m, str>>) -> CoreError {
        let (field, message) = self.named(field.into(), message.into());
        CoreError::invalid(self.index, &self.request.custom_id, field, message)
    }

    /// `field` and `message` with every unified field whose value came from a kwarg named as that
    /// kwarg (`providerKwargs.temperature`, not `generationConfig.temperature`).
    #[inline(never)]
    fn named<'m>(&self, field: Cow<'m, str>, message: Cow<'m, str>) -> (Cow<'m, str>, Cow<'m, str>) {
        let (mut field, mut message) = (field, message);
        for name in self.renamed {
            let kwarg = format!("providerKwargs.{}", name.kwarg);
            if field == name.unified {
                field = Cow::Owned(kwarg.clone());
            }
            if message.contains(name.unified) {
                message = Cow::Owned(replace_unprefixed(&message, name.unified, &kwarg));
            }
        }
        (field, message)
    }

    /// Something sent differently from how it was given, or left out because the provider has no
    /// place for it, where refusing would make a transcript unusable (reasoning of another provider).
    /// `field` and `message` are text or owned text, moved to [`Self::push_notice`] out of line.
    #[inline]
    pub(crate) fn notice<'m>(&mut self, field: impl Into<Cow<'m, str>>, message: impl Into<Cow<'m, str>>) {
        self.push_notice(field.into(), message.into());
    }

    #[inline(never)]
    fn push_notice(&mut self, field: Cow<'_, str>, message: Cow<'_, str>) {
        let (field, message) = self.named(field, message);
        self.warnings.push(Warning {
            index: self.index,
            custom_id: self.request.custom_id.clone(),
            field: field.into_owned(),
            message: message.into_owned(),
        });
    }

    /// A setting the provider cannot express: an error, or a warning under `dropUnsupported`.
    /// `field` and `message` as for [`Self::notice`].
    #[inline]
    pub(crate) fn unsupported<'m>(
        &mut self,
        field: impl Into<Cow<'m, str>>,
        message: impl Into<Cow<'m, str>>,
    ) -> Result<(), CoreError> {
        self.unsupported_setting(field.into(), message.into())
    }

    #[inline(never)]
    fn unsupported_setting(&mut self, field: Cow<'_, str>, message: Cow<'_, str>) -> Result<(), CoreError> {
        let (field, message) = self.named(field, message);
        if self.options.drop_unsupported {
            self.warnings.push(Warning {
                index: self.index,
                custom_id: self.request.custom_id.clone(),
                field: field.into_owned(),
                message: format!("{message}; left out (dropUnsupported)"),
            });
            Ok(())
        } else {
            Err(self.error(field, format!("{message} (set dropUnsupported to leave it out instead)")))
        }
    }

    fn check(&mut self) -> Result<(), CoreError> {
        let request = self.request;
        if request.model.trim().is_empty() {
            return Err(self.error("model", "must not be empty"));
        }
        if self.provider == Provider::Google
            && crate::providers::google::fan_out::parse_derived_key(&request.custom_id).is_some()
        {
            return Err(self.error(
                "customId",
                "ids ending in `#<i>/<n>` are reserved on Gemini: they key the texts of an embeddings request sent one text per line",
            ));
        }
        if self.endpoint == Endpoint::Embeddings {
            crate::embeddings::check_request(self)?;
            return self.check_provider_kwargs();
        }
        crate::embeddings::refuse_embedding_fields(self)?;
        self.check_system_prompt()?;
        if request.messages.is_empty() {
            return Err(self.error("messages", "must contain at least one message"));
        }
        for (message_index, message) in request.messages.iter().enumerate() {
            let parts = message.content.parts();
            // Field paths are written only when needed: this runs for every message of every request.
            let field = || format!("messages[{message_index}].content");
            if parts.is_empty() {
                return Err(self.error(field(), "must not be empty"));
            }
            for (part_index, part) in parts.iter().enumerate() {
                let part_field = || match &message.content {
                    crate::MessageContent::Text(_) => field(),
                    crate::MessageContent::Parts(_) => format!("{}[{part_index}]", field()),
                };
                match part {
                    ContentPartRef::Text("") => {
                        return Err(self.error(part_field(), "text must not be empty"));
                    }
                    ContentPartRef::Text(_) => {}
                    ContentPartRef::Image(media) | ContentPartRef::Document(media) => {
                        let kind = if matches!(part, ContentPartRef::Image(_)) { "image" } else { "document" };
                        let before = self.warnings.len();
                        self.check_media(message.role, media, &part_field, kind)?;
                        // A warning here is a part left out (dropUnsupported): it must not be sent.
                        if self.warnings.len() > before {
                            self.dropped_parts.push((message_index, part_index));
                        }
                    }
                    // The provider that made a replayed signature: a name `Provider::from_name` knows, or
                    // a typo would drop the signature as another provider's (a new-user trial's "bing").
                    ContentPartRef::ToolCall(ToolCallContent { provider: Some(name), .. })
                    | ContentPartRef::Reasoning(ReasoningContent { provider: Some(name), .. })
                    | ContentPartRef::RedactedReasoning(RedactedReasoningContent { provider: Some(name), .. }) => {
                        if let Err(CoreError::Validation { message, .. }) = Provider::from_name(name) {
                            return Err(self.error(format!("{}.provider", part_field()), message));
                        }
                    }
                    // Tool calls, results and reasoning: `tools::check` below, with the transcript.
                    _ => {}
                }
            }
        }
        self.check_generation_config()?;
        crate::structured_output::check(self)?;
        crate::tools::check(self)?;
        crate::reasoning::check(self)?;
        crate::caching::check(self)?;
        self.check_end_user_id()?;
        if self.endpoint == Endpoint::Responses {
            self.check_responses_settings()?;
        }
        self.check_provider_kwargs()?;
        conversation_rules::check(self)
    }

    /// What a Responses body (OpenAI spec `CreateResponse`) has no field for, or takes in a
    /// narrower range: no `stop`, `seed`, `n`, `presence_penalty` or `frequency_penalty`, and
    /// `max_output_tokens` ≥ 16 (endpoints-and-push.md §2.1 [OA-SPEC]).
    fn check_responses_settings(&mut self) -> Result<(), CoreError> {
        let Some(config) = &self.request.generation_config else { return Ok(()) };
        if config.max_tokens.is_some_and(|max| max < 16) {
            return Err(self.error(
                "generationConfig.maxTokens",
                "the Responses endpoint takes max_output_tokens of at least 16 (reasoning tokens included)",
            ));
        }
        for (name, present) in [
            ("stopSequences", config.stop_sequences.is_some()),
            ("seed", config.seed.is_some()),
            // Responses gives one answer per request (no `n`).
            ("candidateCount", config.candidate_count.is_some_and(|count| count > 1)),
            ("presencePenalty", config.presence_penalty.is_some()),
            ("frequencyPenalty", config.frequency_penalty.is_some()),
        ] {
            if present {
                self.unsupported(
                    format!("generationConfig.{name}"),
                    format!("the Responses endpoint has no {name} setting (use endpoint \"chat\")"),
                )?;
            }
        }
        Ok(())
    }

    /// Refuses (or, under `dropUnsupported`, reports as left out) every `providerKwargs` key the
    /// provider's request schema for this batch's endpoint lacks.
    pub(crate) fn check_provider_kwargs(&mut self) -> Result<(), CoreError> {
        let Some(kwargs) = &self.request.provider_kwargs else {
            return Ok(());
        };
        // What the converter writes from the request itself: a kwarg would replace it unchecked.
        for (key, unified) in provider_kwargs::built_from_request(self.provider, self.endpoint) {
            if kwargs.contains_key(*key) {
                let why =
                    if *key == "model" { " (a batch runs on one model, checked against its model rules)" } else { "" };
                return Err(self.error(
                    format!("providerKwargs.{key}"),
                    format!("`{key}` is written from the request's own `{unified}`{why}; set `{unified}` instead"),
                ));
            }
        }
        for unknown in provider_kwargs::unknown_keys(self.provider, self.endpoint, kwargs) {
            self.unsupported(format!("providerKwargs.{}", unknown.path), unknown.message)?;
        }
        for (key, providers) in provider_kwargs::SWITCHES {
            if !providers.contains(&self.provider) {
                continue;
            }
            match kwargs.get(*key) {
                None | Some(serde_json::Value::Bool(false) | serde_json::Value::Null) => {}
                Some(serde_json::Value::Bool(true)) if *key == "stream" => {
                    return Err(self.error(
                        "providerKwargs.stream",
                        format!(
                            "{} refuses stream: true in a batch; a batch never streams",
                            self.provider.display_name()
                        ),
                    ));
                }
                Some(serde_json::Value::Bool(true)) => {}
                Some(_) => return Err(self.error(format!("providerKwargs.{key}"), "must be true or false")),
            }
        }
        Ok(())
    }

    fn check_system_prompt(&self) -> Result<(), CoreError> {
        match &self.request.system_prompt {
            Some(SystemPrompt::Text(text)) if text.is_empty() => {
                Err(self.error("systemPrompt", "must not be empty; omit it instead"))
            }
            Some(SystemPrompt::Parts(parts)) if parts.is_empty() => {
                Err(self.error("systemPrompt", "must not be an empty list; omit it instead"))
            }
            Some(SystemPrompt::Parts(parts)) => match parts.iter().position(String::is_empty) {
                Some(position) => Err(self.error(format!("systemPrompt[{position}]"), "must not be empty")),
                None => Ok(()),
            },
            _ => Ok(()),
        }
    }

    /// `field` writes the part's field path; it is called only for an error or a warning.
    fn check_media(
        &mut self,
        role: Role,
        media: &MediaContent,
        field: &dyn Fn() -> String,
        kind: &str,
    ) -> Result<(), CoreError> {
        if media.data.is_empty() {
            return Err(self.error(format!("{}.data", field()), "must not be empty"));
        }
        match media.source_type {
            SourceType::Url | SourceType::FileUri
                if media.data.get(..5).is_some_and(|head| head.eq_ignore_ascii_case("data:")) =>
            {
                return Err(self.error(
                    format!("{}.sourceType", field()),
                    "`data` is a data: URL, which is base64 data: use sourceType \"base64\" (the URL's media type is used)",
                ));
            }
            SourceType::Url if !(media.data.starts_with("https://") || media.data.starts_with("http://")) => {
                return Err(self.error(format!("{}.data", field()), "a url source must be an http(s) URL"));
            }
            _ => {}
        }
        let provider = self.provider.display_name();
        if role == Role::Assistant && !self.capabilities.assistant_media {
            return self.unsupported(field(), format!("{provider} does not accept {kind}s in assistant messages"));
        }
        if role == Role::Assistant && kind == "document" && !self.capabilities.assistant_documents {
            return self.unsupported(
                field(),
                format!(
                    "{} on {provider} API version 2026-10-21: documents in assistant messages are refused for every model (provider-changes C.2 [C7], [C8], [C9]); send the document in a user message, or use apiVersion 2023-06-01",
                    self.request.model
                ),
            );
        }
        let allowed =
            if kind == "image" { self.capabilities.image_sources } else { self.capabilities.document_sources };
        if !allowed.contains(&media.source_type) {
            let accepted = if allowed.is_empty() {
                format!("{provider} does not accept {kind}s")
            } else {
                let names: Vec<&str> = allowed.iter().map(|source| source.as_str()).collect();
                format!("{provider} accepts {kind}s only as {}", names.join(" or "))
            };
            return self.unsupported(
                format!("{}.sourceType", field()),
                format!("sourceType \"{}\" is not supported: {accepted}", media.source_type.as_str()),
            );
        }
        // Checked last: a part the provider cannot take is refused (or left out) for that reason.
        match media.source_type {
            SourceType::Base64 => self.check_base64_data(media, field, kind)?,
            // A Files API file's `uri`, or a URL: never a bare name (a new-user trial sent one).
            SourceType::FileUri if !has_uri_scheme(&media.data) => {
                return Err(self.error(
                    format!("{}.data", field()),
                    "a file_uri source must be a URI: a Files API file's `uri`, or an https:// or gs:// URL",
                ));
            }
            _ => {}
        }
        Ok(())
    }

    /// `data` is bare base64 or a `data:` URL whose media type agrees with `mediaType`; either way
    /// the payload must be strict base64 (`media_data`).
    fn check_base64_data(&self, media: &MediaContent, field: &dyn Fn() -> String, kind: &str) -> Result<(), CoreError> {
        let data_field = || format!("{}.data", field());
        let split = split_data_url(&media.data).map_err(|reason| self.error(data_field(), reason))?;
        let given = media.media_type.as_deref().filter(|media_type| !media_type.is_empty());
        match (given, split.url_media_type) {
            (None, None) => {
                return Err(self.error(
                    format!("{}.mediaType", field()),
                    "is required for base64 data (or give `data` as a `data:<media type>;base64,…` URL)",
                ));
            }
            (Some(given), Some(from_url)) if !same_media_type(given, from_url) => {
                return Err(self.error(
                    format!("{}.mediaType", field()),
                    format!("is \"{given}\" but `data` is a data: URL of \"{from_url}\"; make them agree"),
                ));
            }
            _ => {}
        }
        // The part's kind and its media type agree on every provider: an image part holds an image,
        // a document part anything else; OpenAI's images are the four types its spec names
        // (`image_url.url`: "jpeg, jpg, png, gif, webp"; Anthropic's own list is checked by its
        // converter). A new-user trial sent a PDF as an image, and a zip, without a word.
        if let Some(media_type) = given.or(split.url_media_type) {
            let is_image = media_type.get(..6).is_some_and(|head| head.eq_ignore_ascii_case("image/"));
            let refusal = match (kind, is_image) {
                ("image", false) => Some(format!(
                    "\"{media_type}\" is not an image type: an image part takes image/… data (a PDF or another file is a document part)"
                )),
                ("document", true) => Some(format!("\"{media_type}\" is an image: give it as an image part")),
                ("image", true)
                    if matches!(self.provider, Provider::OpenAI | Provider::Azure)
                        && !OPENAI_IMAGE_MEDIA_TYPES.iter().any(|known| same_media_type(known, media_type)) =>
                {
                    Some(format!(
                        "\"{media_type}\" is not accepted: {} takes images only as {}",
                        self.provider.display_name(),
                        OPENAI_IMAGE_MEDIA_TYPES.join(", ")
                    ))
                }
                _ => None,
            };
            if let Some(message) = refusal {
                return Err(self.error(format!("{}.mediaType", field()), message));
            }
        }
        check_base64(split.payload).map_err(|invalid| {
            let what = if split.url_media_type.is_some() || split.payload.len() != media.data.len() {
                "the payload of this data: URL"
            } else {
                "the data"
            };
            self.error(data_field(), format!("{what} {}", invalid.reason))
        })
    }

    /// Seed ranges per provider (reference unified-features §5): Gemini's is int32, Mistral's
    /// `random_seed` at least 0; Anthropic has none.
    fn check_seed(&mut self, seed: i64) -> Result<(), CoreError> {
        let field = "generationConfig.seed";
        match self.provider {
            Provider::Anthropic => self.unsupported(field, "Anthropic has no seed"),
            Provider::Google if i32::try_from(seed).is_err() => {
                Err(self.error(field, format!("{seed} is out of range: Gemini's seed is a 32-bit integer")))
            }
            Provider::Mistral if seed < 0 => Err(self.error(field, "Mistral's random_seed must be at least 0")),
            _ => Ok(()),
        }
    }

    /// `candidateCount` per provider (reference unified-features §5): OpenAI's `n` is 1–128;
    /// Anthropic has none and Groq takes only 1, so more than one is refused there (or left out
    /// under `dropUnsupported`).
    fn check_candidate_count(&mut self, count: u32) -> Result<(), CoreError> {
        let field = "generationConfig.candidateCount";
        if count == 0 {
            return Err(self.error(field, "must be at least 1"));
        }
        match self.provider {
            Provider::Anthropic if count > 1 => {
                self.unsupported(field, "Anthropic returns one answer per request (it has no n)")
            }
            Provider::OpenAI | Provider::Azure if count > 128 => {
                Err(self.error(field, format!("{count} is out of range: OpenAI's n is 1 to 128")))
            }
            // groq-python `CompletionCreateParams.n` (at commit 9620fde0): "only n=1 is supported.
            // Other values will result in a 400 response."
            Provider::Groq if count > 1 => self
                .unsupported(field, "Groq returns one answer per request (its n takes only 1; other values are a 400)"),
            _ => Ok(()),
        }
    }

    /// The end-user id: OpenAI `safety_identifier` (≤ 64 characters), Anthropic `metadata.user_id`
    /// (≤ 256); Gemini and Mistral have no field, vLLM ignores it (reference unified-features §5).
    fn check_end_user_id(&mut self) -> Result<(), CoreError> {
        let Some(id) = &self.request.end_user_id else { return Ok(()) };
        let field = "endUserId";
        if id.is_empty() {
            return Err(self.error(field, "must not be empty; leave it out instead"));
        }
        let provider = self.provider.display_name();
        let limit = match self.provider {
            Provider::OpenAI => 64,
            Provider::Anthropic => 256,
            _ => return self.unsupported(field, format!("{provider} has no end-user id")),
        };
        if id.chars().count() > limit {
            return Err(self.error(field, format!("{provider} takes at most {limit} characters; send a hash")));
        }
        Ok(())
    }

    fn check_generation_config(&mut self) -> Result<(), CoreError> {
        let Some(config) = &self.request.generation_config else {
            return Ok(());
        };
        let provider = self.provider.display_name();
        if config.max_tokens == Some(0) {
            return Err(self.error("generationConfig.maxTokens", "must be at least 1"));
        }
        if let Some(temperature) = config.temperature {
            let max = self.capabilities.temperature_max;
            if !(0.0..=max).contains(&temperature) {
                return Err(self.error(
                    "generationConfig.temperature",
                    format!("{temperature} is out of range: {provider} accepts 0 to {max}"),
                ));
            }
        }
        if let Some(top_p) = config.top_p {
            if !(0.0..=1.0).contains(&top_p) {
                return Err(self.error("generationConfig.topP", format!("{top_p} is out of range: 0 to 1")));
            }
        }
        if let Some(top_k) = config.top_k {
            if top_k == 0 {
                return Err(self.error("generationConfig.topK", "must be at least 1"));
            }
            if !self.capabilities.top_k {
                self.unsupported("generationConfig.topK", format!("{provider} has no topK setting"))?;
            }
        }
        for (name, value, supported) in [
            ("presencePenalty", config.presence_penalty, self.capabilities.presence_penalty),
            ("frequencyPenalty", config.frequency_penalty, self.capabilities.frequency_penalty),
        ] {
            let Some(value) = value else { continue };
            let field = format!("generationConfig.{name}");
            if !(-2.0..=2.0).contains(&value) {
                return Err(self.error(field, format!("{value} is out of range: -2 to 2")));
            }
            if !supported {
                self.unsupported(field, format!("{provider} has no {name} setting"))?;
            }
        }
        if let Some(seed) = config.seed {
            self.check_seed(seed)?;
        }
        if let Some(count) = config.candidate_count {
            self.check_candidate_count(count)?;
        }
        if let Some(stops) = &config.stop_sequences {
            if let Some(position) = stops.iter().position(String::is_empty) {
                return Err(self.error(format!("generationConfig.stopSequences[{position}]"), "must not be empty"));
            }
            if let Some(max) = self.capabilities.max_stop_sequences {
                if stops.len() > max {
                    return Err(self.error(
                        "generationConfig.stopSequences",
                        format!("{} stop sequences given; {provider} accepts at most {max}", stops.len()),
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_request;

    fn request(index: usize, json: &str) -> UnifiedRequest {
        parse_request(index, json).unwrap()
    }

    fn simple(id: &str) -> UnifiedRequest {
        request(0, &format!(r#"{{"customId":"{id}","model":"m","messages":[{{"role":"user","content":"hi"}}]}}"#))
    }

    fn field_of(error: CoreError) -> (Option<usize>, String, String) {
        match error {
            CoreError::Validation { index, field, message, .. } => (index, field, message),
            other => panic!("validation error expected, got {other:?}"),
        }
    }

    #[test]
    fn empty_batch_is_refused() {
        let error = validate_batch(Provider::OpenAI, &[], &ValidationOptions::default()).unwrap_err();
        assert!(error.to_string().contains("no requests"));
    }

    #[test]
    fn duplicate_ids_name_both_requests() {
        let error = validate_batch(Provider::OpenAI, &[simple("a"), simple("b"), simple("a")], &Default::default())
            .unwrap_err();
        let (index, field, message) = field_of(error);
        assert_eq!((index, field.as_str()), (Some(2), "customId"));
        assert!(message.contains("request 0"), "{message}");
    }

    /// Every invalid request of a batch is named in one error, in request order, whichever check
    /// finds it (a model rule, a field check, a duplicate id); a valid request is never named.
    #[test]
    fn every_invalid_request_is_named_in_one_error() {
        let with_temperature = |id: &str, model: &str, temperature: &str| {
            request(
                0,
                &format!(
                    r#"{{"customId":"{id}","model":"{model}","messages":[{{"role":"user","content":"hi"}}],"generationConfig":{{"temperature":{temperature}}}}}"#
                ),
            )
        };
        let requests = [
            simple("ok-0"),
            with_temperature("hot", "gpt-4o", "7"),
            simple("ok-0"),
            simple("ok-3"),
            // o3 takes no temperature: a model rule, found in the first pass.
            with_temperature("o3-rule", "o3", "0.5"),
            request(0, r#"{"customId":"no-text","model":"m","messages":[{"role":"user","content":[]}]}"#),
        ];
        let error = validate_batch(Provider::OpenAI, &requests, &Default::default()).unwrap_err();
        let CoreError::Validations { errors, total } = &error else { panic!("{error:?}") };
        assert_eq!(*total, 4);
        let named: Vec<(Option<usize>, &str)> = errors
            .iter()
            .map(|each| match each {
                CoreError::Validation { index, custom_id, .. } => (*index, custom_id.as_deref().unwrap_or("")),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(named, [(Some(1), "hot"), (Some(2), "ok-0"), (Some(4), "o3-rule"), (Some(5), "no-text")]);
        let text = error.to_string();
        assert!(text.starts_with(&errors[0].to_string()), "{text}");
        assert!(text.ends_with("(and 3 more invalid requests, listed in `errors`)"), "{text}");
        // One invalid request is the plain error, as before.
        let one = validate_batch(Provider::OpenAI, &requests[..2], &Default::default()).unwrap_err();
        assert!(matches!(one, CoreError::Validation { index: Some(1), .. }), "{one:?}");
    }

    /// A file with the same fault on every line keeps the first hundred errors and counts the rest.
    #[test]
    fn at_most_a_hundred_invalid_requests_are_kept() {
        let requests: Vec<UnifiedRequest> = (0..250)
            .map(|at| {
                request(
                    at,
                    &format!(r#"{{"customId":"r-{at}","model":"m","messages":[{{"role":"user","content":[]}}]}}"#),
                )
            })
            .collect();
        let error = validate_batch(Provider::Anthropic, &requests, &Default::default()).unwrap_err();
        let CoreError::Validations { errors, total } = &error else { panic!("{error:?}") };
        assert_eq!((errors.len(), *total), (crate::error::MAX_REPORTED, 250));
        assert!(matches!(&errors[99], CoreError::Validation { index: Some(99), .. }));
        assert!(error.to_string().ends_with("(and 249 more invalid requests; the first 100 are listed in `errors`)"));
    }

    #[test]
    fn a_parts_media_type_agrees_with_its_kind_on_every_provider() {
        // A new-user trial: a PDF or a zip as an image, and a PNG as a document, were sent as they were.
        let with = |part: &str| {
            request(
                0,
                &format!(
                    r#"{{"customId":"m-1","model":"m","messages":[{{"role":"user","content":[{{"type":"text","text":"x"}},{part}]}}],"generationConfig":{{"maxTokens":5}}}}"#
                ),
            )
        };
        let image =
            |media: &str| format!(r#"{{"type":"image","sourceType":"base64","mediaType":"{media}","data":"AAAA"}}"#);
        let document =
            |media: &str| format!(r#"{{"type":"document","sourceType":"base64","mediaType":"{media}","data":"AAAA"}}"#);
        for provider in [Provider::OpenAI, Provider::Google, Provider::Anthropic, Provider::Azure] {
            for (part, message) in [
                (image("application/pdf"), "\"application/pdf\" is not an image type"),
                (image("application/zip"), "\"application/zip\" is not an image type"),
                (document("image/png"), "\"image/png\" is an image: give it as an image part"),
                (
                    r#"{"type":"image","sourceType":"base64","data":"data:text/plain;base64,AAAA"}"#.to_owned(),
                    "\"text/plain\" is not an image type",
                ),
            ] {
                let error = validate_batch(provider, &[with(&part)], &Default::default()).unwrap_err();
                let (index, field, got) = field_of(error);
                assert_eq!(
                    (index, field.as_str()),
                    (Some(0), "messages[0].content[1].mediaType"),
                    "{provider:?} {part}"
                );
                assert!(got.starts_with(message), "{provider:?} {part}: {got}");
            }
            validate_batch(provider, &[with(&image("image/png"))], &Default::default()).unwrap();
            validate_batch(provider, &[with(&image("IMAGE/JPEG"))], &Default::default()).unwrap();
        }
        // OpenAI's four image types (its spec); Gemini takes others (HEIC).
        for provider in [Provider::OpenAI, Provider::Azure] {
            let error = validate_batch(provider, &[with(&image("image/heic"))], &Default::default()).unwrap_err();
            let (_, field, message) = field_of(error);
            assert_eq!(field, "messages[0].content[1].mediaType");
            assert!(
                message.ends_with("takes images only as image/jpeg, image/png, image/gif, image/webp"),
                "{message}"
            );
        }
        validate_batch(Provider::Google, &[with(&image("image/heic"))], &Default::default()).unwrap();
        // A file_uri is a URI.
        let file = |data: &str| {
            format!(r#"{{"type":"image","sourceType":"file_uri","mediaType":"image/png","data":"{data}"}}"#)
        };
        let (_, field, message) = field_of(
            validate_batch(Provider::Google, &[with(&file("not a uri at all"))], &Default::default()).unwrap_err(),
        );
        assert_eq!(field, "messages[0].content[1].data");
        assert!(message.starts_with("a file_uri source must be a URI"), "{message}");
        for uri in ["https://generativelanguage.googleapis.com/v1beta/files/abc-123", "gs://bucket/a.png"] {
            validate_batch(Provider::Google, &[with(&file(uri))], &Default::default()).unwrap();
        }
    }

    #[test]
    fn a_signatures_provider_must_be_a_known_name() {
        // A typo named no provider and dropped the signature as another provider's (a new-user trial).
        let call = |provider: &str| {
            format!(
                r#"{{"customId":"a","model":"m","messages":[{{"role":"user","content":"hi"}},{{"role":"assistant","content":[{{"type":"reasoning","text":"r","signature":"s","provider":"{provider}"}},{{"type":"tool_call","id":"t1","name":"f","arguments":{{}},"signature":"s","provider":"{provider}"}}]}},{{"role":"tool","content":[{{"type":"tool_result","toolCallId":"t1","content":"ok"}}]}}],"tools":[{{"name":"f","parameters":{{"type":"object"}}}}]}}"#
            )
        };
        for provider in [Provider::OpenAI, Provider::Anthropic, Provider::Google] {
            let error =
                validate_batch(provider, &[simple("x"), request(1, &call("bing"))], &Default::default()).unwrap_err();
            let (index, field, message) = field_of(error);
            assert_eq!((index, field.as_str()), (Some(1), "messages[1].content[0].provider"), "{provider:?}");
            assert!(message.starts_with("unknown provider \"bing\"; expected one of openai, anthropic"), "{message}");
            // Names and aliases in any case are the provider's.
            for name in ["gemini", "Anthropic", "openai"] {
                validate_batch(provider, &[request(0, &call(name))], &Default::default()).unwrap();
            }
        }
        let only_call =
            call("bing").replace(r#"{"type":"reasoning","text":"r","signature":"s","provider":"bing"},"#, "");
        let (_, field, _) =
            field_of(validate_batch(Provider::OpenAI, &[request(0, &only_call)], &Default::default()).unwrap_err());
        assert_eq!(field, "messages[1].content[0].provider");
    }

    #[test]
    fn empty_id_content_and_messages_are_refused() {
        let cases = [
            (r#"{"customId":"","model":"m","messages":[{"role":"user","content":"x"}]}"#, "customId"),
            (r#"{"customId":"a","model":" ","messages":[{"role":"user","content":"x"}]}"#, "model"),
            (r#"{"customId":"a","model":"m","messages":[]}"#, "messages"),
            (r#"{"customId":"a","model":"m","messages":[{"role":"user","content":""}]}"#, "messages[0].content"),
            (r#"{"customId":"a","model":"m","messages":[{"role":"user","content":[]}]}"#, "messages[0].content"),
            (
                r#"{"customId":"a","model":"m","systemPrompt":"","messages":[{"role":"user","content":"x"}]}"#,
                "systemPrompt",
            ),
            (
                r#"{"customId":"a","model":"m","messages":[{"role":"user","content":[{"type":"image","sourceType":"base64","data":"AAAA"}]}]}"#,
                "messages[0].content[0].mediaType",
            ),
            (
                r#"{"customId":"a","model":"m","messages":[{"role":"user","content":[{"type":"image","sourceType":"url","data":"cat.png"}]}]}"#,
                "messages[0].content[0].data",
            ),
        ];
        for (json, expected_field) in cases {
            let error = validate_batch(Provider::OpenAI, &[request(0, json)], &Default::default()).unwrap_err();
            assert_eq!(field_of(error).1, expected_field, "{json}");
        }
    }

    #[test]
    fn out_of_range_settings_are_refused() {
        let cases = [
            (r#"{"temperature":2.5}"#, "generationConfig.temperature"),
            (r#"{"topP":1.5}"#, "generationConfig.topP"),
            (r#"{"maxTokens":0}"#, "generationConfig.maxTokens"),
            (r#"{"presencePenalty":-3}"#, "generationConfig.presencePenalty"),
            (r#"{"stopSequences":["a","b","c","d","e"]}"#, "generationConfig.stopSequences"),
        ];
        for (config, expected_field) in cases {
            let json = format!(
                r#"{{"customId":"r","model":"m","messages":[{{"role":"user","content":"x"}}],"generationConfig":{config}}}"#
            );
            let error = validate_batch(Provider::OpenAI, &[request(0, &json)], &Default::default()).unwrap_err();
            assert_eq!(field_of(error).1, expected_field, "{config}");
        }
    }

    #[test]
    fn openai_refuses_top_k_unless_told_to_drop_it() {
        let json =
            r#"{"customId":"k","model":"m","messages":[{"role":"user","content":"x"}],"generationConfig":{"topK":5}}"#;
        let error = validate_batch(Provider::OpenAI, &[request(0, json)], &Default::default()).unwrap_err();
        let (_, field, message) = field_of(error);
        assert_eq!(field, "generationConfig.topK");
        assert!(message.contains("dropUnsupported"), "{message}");
        let warnings = validate_batch(
            Provider::OpenAI,
            &[request(0, json)],
            &ValidationOptions { drop_unsupported: true, ..Default::default() },
        )
        .unwrap();
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].field, "generationConfig.topK");
        assert!(validate_batch(Provider::Vllm, &[request(0, json)], &Default::default()).is_ok());
    }

    #[test]
    fn openai_refuses_file_uri_and_document_urls() {
        let image = r#"{"customId":"f","model":"m","messages":[{"role":"user","content":[{"type":"image","sourceType":"file_uri","data":"files/abc","mediaType":"image/png"}]}]}"#;
        let (_, field, message) =
            field_of(validate_batch(Provider::OpenAI, &[request(0, image)], &Default::default()).unwrap_err());
        assert_eq!(field, "messages[0].content[0].sourceType");
        assert!(message.contains("file_uri"), "{message}");
        let document = r#"{"customId":"d","model":"m","messages":[{"role":"user","content":[{"type":"document","sourceType":"url","data":"https://x/a.pdf"}]}]}"#;
        assert!(validate_batch(Provider::OpenAI, &[request(0, document)], &Default::default()).is_err());
    }

    #[test]
    fn mixed_models_are_refused_where_a_batch_takes_one_model() {
        let mut second = simple("b");
        second.model = "other".into();
        let (index, field, _) = field_of(
            validate_batch(Provider::OpenAI, &[simple("a"), second.clone()], &Default::default()).unwrap_err(),
        );
        assert_eq!((index, field.as_str()), (Some(1), "model"));
        assert!(validate_batch(Provider::Anthropic, &[simple("a"), second], &Default::default()).is_ok());
    }

    #[test]
    fn seed_and_end_user_id_per_provider() {
        use crate::test_support::{bodies, request_for};
        use serde_json::json;
        let json = r#"{"customId":"s","model":"MODEL","messages":[{"role":"user","content":"x"}],"generationConfig":{"seed":42},"endUserId":"user-hash"}"#;
        let sent = |provider| bodies(provider, &[request_for(provider, json)], true).unwrap();
        let (openai, _) = sent(Provider::OpenAI);
        assert_eq!(
            (openai[0]["seed"].clone(), openai[0]["safety_identifier"].clone()),
            (json!(42), json!("user-hash"))
        );
        let (vllm, vllm_summary) = sent(Provider::Vllm);
        assert_eq!(vllm[0]["seed"], 42);
        assert!(vllm[0].get("safety_identifier").is_none());
        assert!(vllm_summary.warnings.iter().any(|warning| warning.field == "endUserId"));
        assert_eq!(sent(Provider::Mistral).0[0]["random_seed"], 42);
        assert_eq!(sent(Provider::Google).0[0]["generationConfig"]["seed"], 42);
        let (anthropic, summary) = sent(Provider::Anthropic);
        assert_eq!(anthropic[0]["metadata"], json!({"user_id": "user-hash"}));
        assert!(anthropic[0].get("seed").is_none());
        assert!(summary.warnings.iter().any(|warning| warning.field == "generationConfig.seed"));
        let refused = |provider, json: &str| {
            field_of(validate_batch(provider, &[request_for(provider, json)], &Default::default()).unwrap_err()).1
        };
        assert_eq!(refused(Provider::Anthropic, json), "generationConfig.seed");
        assert_eq!(refused(Provider::Google, &json.replace("42", "3000000000")), "generationConfig.seed");
        assert_eq!(refused(Provider::Mistral, &json.replace("42", "-1")), "generationConfig.seed");
        let long = json.replace("user-hash", &"u".repeat(65));
        assert_eq!(refused(Provider::OpenAI, &long), "endUserId");
        assert!(validate_batch(
            Provider::Anthropic,
            &[request_for(Provider::Anthropic, &long.replace(r#""seed":42"#, r#""maxTokens":5"#))],
            &Default::default()
        )
        .is_ok());
    }

    /// A part a warning calls left out (dropUnsupported) is not sent: a new-user trial found the
    /// warning said so while the line still held it, for a batch the provider then fails.
    #[test]
    fn media_parts_left_out_are_not_sent() {
        use crate::providers::{prepare, PrepareOptions};
        let sent = |provider: Provider, endpoint: Endpoint, api_version: Option<&str>, json: &str| {
            let options = PrepareOptions {
                validation: ValidationOptions {
                    drop_unsupported: true,
                    api_version: api_version.map(str::to_owned),
                    ..Default::default()
                },
                endpoint: Some(endpoint),
                ..PrepareOptions::default()
            };
            let prepared = prepare(provider, vec![request(0, json)], &options).unwrap();
            assert!(!prepared.summary.warnings.is_empty(), "{provider:?}: a warning");
            String::from_utf8(prepared.jsonl).unwrap()
        };
        let url_document = r#"{"type":"document","sourceType":"url","data":"https://example.com/a.pdf"}"#;
        let pdf = r#"{"type":"document","sourceType":"base64","mediaType":"application/pdf","data":"JVBERi0="}"#;
        let user = |part: &str, model: &str| {
            format!(
                r#"{{"customId":"d","model":"{model}","messages":[{{"role":"user","content":[{{"type":"text","text":"Read"}},{part}]}}]}}"#
            )
        };
        let azure = sent(Provider::Azure, Endpoint::Responses, None, &user(url_document, "gpt-4.1-mini"));
        assert!(!azure.contains("example.com") && !azure.contains("input_file"), "{azure}");
        let groq = sent(Provider::Groq, Endpoint::Chat, None, &user(pdf, "llama-3.3-70b-versatile"));
        assert!(!groq.contains("JVBERi0") && !groq.contains("file_data"), "{groq}");
        let assistant = format!(
            r#"{{"customId":"d","model":"claude-sonnet-4-5","messages":[{{"role":"user","content":"Hi"}},{{"role":"assistant","content":[{{"type":"text","text":"Here"}},{url_document}]}},{{"role":"user","content":"Go on"}}]}}"#
        );
        let anthropic = sent(Provider::Anthropic, Endpoint::Chat, Some("2026-10-21"), &assistant);
        assert!(!anthropic.contains("example.com"), "{anthropic}");
        // A message with nothing else is refused, not sent empty.
        let only = r#"{"customId":"e","model":"gpt-4.1-mini","messages":[{"role":"user","content":[{"type":"document","sourceType":"url","data":"https://example.com/a.pdf"}]}]}"#;
        let options = PrepareOptions {
            validation: ValidationOptions { drop_unsupported: true, ..Default::default() },
            endpoint: Some(Endpoint::Responses),
            ..PrepareOptions::default()
        };
        let error = prepare(Provider::Azure, vec![request(0, only)], &options).unwrap_err();
        let (index, field, message) = field_of(error);
        assert_eq!((index, field.as_str()), (Some(0), "messages[0].content"));
        assert!(message.contains("dropUnsupported"), "{message}");
    }
}
