"""One batch-router batch as a Ray job: vLLM over the batch's lines with Ray Data's LLM processor.

The sidecar (``--backend ray``) writes this file into its shared directory and submits
``PYTHON batch_router_ray_job.py JOB.json`` through Ray's Jobs REST API. JOB.json names:

* ``input``  -- the batch's validated request lines (OpenAI batch input lines, chat completions),
* ``output`` -- where to write one result line per request, in the shape ``vllm run-batch`` writes
  (reference §5.3): ``{"id", "custom_id", "response": {"status_code", "request_id", "body"},
  "error"}``. Lines are appended and flushed as Ray Data hands results back, so the sidecar reads
  progress from this file, and a stopped job leaves every finished line behind.
* ``model``, ``replicas`` (engine replicas: Ray Data's ``concurrency``), ``batch_size``,
  ``tensor_parallel_size``, ``pipeline_parallel_size`` and ``engine_kwargs`` (more vLLM engine
  arguments), passed to ``ray.data.llm.vLLMEngineProcessorConfig`` unchanged.

Facts used (Ray 2.60, ``ray/data/llm.py`` and ``ray/llm/_internal/batch``): ``build_processor``
takes ``preprocess``/``postprocess`` row functions; the engine reads ``messages`` and
``sampling_params`` and adds ``generated_text``, ``num_input_tokens`` and ``num_generated_tokens``;
with ``should_continue_on_error`` a failed row carries its message in ``__inference_error__`` and
skips ``postprocess``, keeping the columns it came with (``custom_id`` among them).

The environment variable BATCH_ROUTER_RAY_LLM_MODULE names a Python file used in place of
``ray.data.llm`` (tests run the whole job without vLLM that way); unset in production.
"""

import importlib.util
import json
import os
import sys
import time
import uuid

CHAT_COMPLETIONS = "/v1/chat/completions"

# OpenAI chat parameters that map one to one onto vLLM's SamplingParams.
SAME_NAME_PARAMETERS = (
    "temperature",
    "top_p",
    "presence_penalty",
    "frequency_penalty",
    "seed",
    # vLLM's own extensions of the chat request.
    "top_k",
    "min_p",
    "repetition_penalty",
    "min_tokens",
)


def sampling_params(body):
    """The vLLM sampling parameters of one chat request body."""
    params = {name: body[name] for name in SAME_NAME_PARAMETERS if body.get(name) is not None}
    max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
    if max_tokens is not None:
        params["max_tokens"] = max_tokens
    stop = body.get("stop")
    if stop is not None:
        params["stop"] = [stop] if isinstance(stop, str) else list(stop)
    return params


def preprocess(row):
    """A line of the input file (column ``text``) -> the columns the processor reads."""
    line = json.loads(row["text"])
    body = line["body"]
    return {
        "custom_id": line["custom_id"],
        "url": line.get("url", CHAT_COMPLETIONS),
        "messages": body["messages"],
        "sampling_params": sampling_params(body),
        "max_tokens": body.get("max_completion_tokens", body.get("max_tokens")) or 0,
    }


def _result_line(custom_id, status_code, body, error):
    return json.dumps(
        {
            "id": f"vllm-{uuid.uuid4().hex}",
            "custom_id": custom_id,
            "response": {"status_code": status_code, "request_id": f"vllm-batch-{uuid.uuid4().hex}", "body": body},
            "error": error,
        },
        separators=(",", ":"),
    )


def make_postprocess(model):
    def postprocess(row):
        """The engine's answer -> ``line``, the result line in vLLM run-batch's shape."""
        generated = int(row.get("num_generated_tokens") or 0)
        prompt = int(row.get("num_input_tokens") or 0)
        limit = int(row.get("max_tokens") or 0)
        # Ray Data's output keeps no finish reason; a reply that used its whole budget was cut.
        finish_reason = "length" if limit and generated >= limit else "stop"
        body = {
            "id": f"chatcmpl-{uuid.uuid4().hex}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": row.get("generated_text", "")},
                    "logprobs": None,
                    "finish_reason": finish_reason,
                }
            ],
            "usage": {"prompt_tokens": prompt, "completion_tokens": generated, "total_tokens": prompt + generated},
        }
        return {"custom_id": row["custom_id"], "line": _result_line(row["custom_id"], 200, body, None)}

    return postprocess


def line_for(row):
    """The output line of a row the processor handed back: a success or a failed request."""
    error = row.get("__inference_error__") or ""
    if error:
        return _result_line(row["custom_id"], 500, None, f"The engine failed on this request: {error}")
    return row["line"]


def build(job, llm):
    """The Ray Data LLM processor for a job; ``llm`` is ``ray.data.llm`` (or a stand-in)."""
    engine_kwargs = dict(job.get("engine_kwargs") or {})
    engine_kwargs["tensor_parallel_size"] = int(job.get("tensor_parallel_size", 1))
    engine_kwargs["pipeline_parallel_size"] = int(job.get("pipeline_parallel_size", 1))
    config = llm.vLLMEngineProcessorConfig(
        model_source=job["model"],
        engine_kwargs=engine_kwargs,
        concurrency=int(job.get("replicas", 1)),
        batch_size=int(job.get("batch_size", 32)),
        should_continue_on_error=True,
    )
    return llm.build_processor(config, preprocess=preprocess, postprocess=make_postprocess(job["model"]))


def load_llm_api():
    path = os.environ.get("BATCH_ROUTER_RAY_LLM_MODULE")
    if not path:
        import ray.data.llm

        return ray.data.llm
    spec = importlib.util.spec_from_file_location("batch_router_llm_stand_in", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(job):
    import ray

    ray.init()
    batch_size = max(1, int(job.get("batch_size", 32)))
    # Blocks of one engine batch each: results come back (and are written) batch by batch, and the
    # replicas share the work.
    dataset = ray.data.read_text(job["input"]).repartition(target_num_rows_per_block=batch_size)
    results = build(job, load_llm_api())(dataset)
    written = 0
    with open(job["output"], "w", encoding="utf-8") as output:
        for row in results.iter_rows():
            output.write(line_for(row) + "\n")
            output.flush()
            written += 1
    print(f"batch-router: wrote {written} result lines to {job['output']}", flush=True)


def main(arguments):
    if len(arguments) != 1:
        print("usage: batch_router_ray_job.py JOB.json", file=sys.stderr)
        return 2
    with open(arguments[0], encoding="utf-8") as file:
        job = json.load(file)
    run(job)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
