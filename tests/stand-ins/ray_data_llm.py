"""A stand-in for ``ray.data.llm``, for tests only: real Ray Data, no vLLM, no GPU.

The sidecar's Ray entrypoint loads it when BATCH_ROUTER_RAY_LLM_MODULE names this file. It offers
the two names the entrypoint uses, ``vLLMEngineProcessorConfig`` and ``build_processor``, and builds
the same pipeline shape as Ray 2.60's processor: ``preprocess`` (a Ray Data ``map``), the engine
stage, then ``postprocess``; with ``should_continue_on_error`` a failed row carries
``__inference_error__`` and skips ``postprocess`` (as ``ray/llm/_internal/batch/stages/base.py``
does). The engine echoes the last user message.

Per request (last user message text): ENGINE_ERROR -> the engine fails on that row.
Per model name: ``slow-<ms>`` sleeps that long per row; ``fail-job`` makes the job itself fail.
"""

import re
import time


class vLLMEngineProcessorConfig:  # noqa: N801 -- the name Ray gives it
    def __init__(self, **kwargs):
        self.kwargs = kwargs
        for name, value in kwargs.items():
            setattr(self, name, value)


def _last_user_text(messages):
    for message in reversed(list(messages)):
        if message.get("role") == "user":
            content = message.get("content")
            return content if isinstance(content, str) else str(content)
    return ""


def _engine(config):
    match = re.search(r"slow-(\d+)", config.model_source)
    delay = int(match.group(1)) / 1000 if match else 0.0
    if "fail-job" in config.model_source:
        raise RuntimeError("stand-in engine: this model cannot be loaded (fail-job)")

    def engine(row):
        if delay:
            time.sleep(delay)
        text = _last_user_text(row["messages"])
        if "ENGINE_ERROR" in text:
            return {**row, "generated_text": "", "num_input_tokens": 0, "num_generated_tokens": 0,
                    "__inference_error__": "ValueError: stand-in engine error"}
        reply = f"echo: {text}"
        return {**row, "generated_text": reply, "num_input_tokens": len(text.split()),
                "num_generated_tokens": len(reply.split()), "__inference_error__": ""}

    return engine


def build_processor(config, preprocess=None, postprocess=None):
    engine = _engine(config)

    def postprocess_or_pass(row):
        if row.get("__inference_error__"):
            return row
        return {**postprocess(row), "__inference_error__": ""}

    def process(dataset):
        return dataset.map(preprocess).map(engine).map(postprocess_or_pass)

    return process
