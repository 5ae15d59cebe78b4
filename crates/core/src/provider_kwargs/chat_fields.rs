//! The chat request fields of the OpenAI-compatible providers that publish their own list, for
//! `providerKwargs` checks. Field names only; each list says where it was read. Azure OpenAI
//! publishes no chat schema of its own here: its lines are checked against OpenAI's.

/// Together AI's `ChatCompletionRequest`, top level: togethercomputer/openapi `openapi.yaml` at
/// commit 090263aa (`components.schemas.ChatCompletionRequest.properties`), the document whose
/// `servers` entry the package's default base URL follows. It agrees with together-python
/// `src/together/types/chat_completions.py` `ChatCompletionRequest` (at commit eba5e5f0), which has
/// a subset of these. No `max_completion_tokens`: the output limit is `max_tokens`.
pub const TOGETHER_CHAT_FIELDS: &[&str] = &[
    "chat_template_kwargs",
    "compliance",
    "context_length_exceeded_behavior",
    "echo",
    "frequency_penalty",
    "function_call",
    "logit_bias",
    "logprobs",
    "max_tokens",
    "messages",
    "min_p",
    "model",
    "n",
    "presence_penalty",
    "reasoning",
    "reasoning_effort",
    "repetition_penalty",
    "response_format",
    "safety_model",
    "seed",
    "stop",
    "stream",
    "temperature",
    "tool_choice",
    "tools",
    "top_k",
    "top_p",
];

/// Groq's chat completion request, top level: groq-python `src/groq/types/chat/completion_create_params.py`
/// `CompletionCreateParams` (at commit 9620fde0, generated from Groq's OpenAPI spec). Beside
/// OpenAI's fields it has `reasoning_format`, `include_reasoning`, `search_settings`, `documents`,
/// `citation_options`, `compound_custom`, `disable_tool_validation` and the (deprecated)
/// `include_domains`/`exclude_domains`.
pub const GROQ_CHAT_FIELDS: &[&str] = &[
    "citation_options",
    "compound_custom",
    "disable_tool_validation",
    "documents",
    "exclude_domains",
    "frequency_penalty",
    "function_call",
    "functions",
    "include_domains",
    "include_reasoning",
    "logit_bias",
    "logprobs",
    "max_completion_tokens",
    "max_tokens",
    "messages",
    "metadata",
    "model",
    "n",
    "parallel_tool_calls",
    "presence_penalty",
    "reasoning_effort",
    "reasoning_format",
    "response_format",
    "search_settings",
    "seed",
    "service_tier",
    "stop",
    "store",
    "stream",
    "temperature",
    "tool_choice",
    "tools",
    "top_logprobs",
    "top_p",
    "user",
];

/// xAI's chat request, top level: `ChatRequest` of xAI's REST OpenAPI document ("xAI's REST API",
/// served with docs.x.ai), read from the copy in api-evangelist/xai
/// `openapi/_original/xai-openapi.json` (at commit 4710b052); xAI's own repositories publish the
/// gRPC SDK, not this body. Beside OpenAI's fields it has `deferred`, `search_parameters` and
/// `web_search_options`.
pub const XAI_CHAT_FIELDS: &[&str] = &[
    "deferred",
    "frequency_penalty",
    "logit_bias",
    "logprobs",
    "max_completion_tokens",
    "max_tokens",
    "messages",
    "model",
    "n",
    "parallel_tool_calls",
    "presence_penalty",
    "reasoning_effort",
    "response_format",
    "search_parameters",
    "seed",
    "stop",
    "stream",
    "stream_options",
    "temperature",
    "tool_choice",
    "tools",
    "top_logprobs",
    "top_p",
    "user",
    "web_search_options",
];
