"""The Ray entrypoint's Ray Data LLM code path, run with a stand-in engine object in place of
``ray.data.llm`` (no Ray, no vLLM): the processor configuration it builds, and the rows it turns
into result lines. Run: python3 tests/ray/entrypoint_test.py (prints "N passed, N failed")."""

import importlib.util
import json
import pathlib
import sys
import traceback

ROOT = pathlib.Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("entrypoint", ROOT / "sidecar" / "ray" / "batch_router_ray_job.py")
entrypoint = importlib.util.module_from_spec(spec)
spec.loader.exec_module(entrypoint)


class StandInLLM:
    """Records what the entrypoint asks of ``ray.data.llm`` and runs the processor over a list."""

    def __init__(self):
        self.configs = []
        self.built = []

    def vLLMEngineProcessorConfig(self, **kwargs):  # noqa: N802 -- Ray's name
        self.configs.append(kwargs)
        return kwargs

    def build_processor(self, config, preprocess=None, postprocess=None):
        self.built.append((config, preprocess, postprocess))

        def process(rows):
            out = []
            for row in map(preprocess, rows):
                text = row["messages"][-1]["content"]
                if "ENGINE_ERROR" in text:
                    out.append({**row, "__inference_error__": "ValueError: boom"})
                else:
                    data = {**row, "generated_text": "hello there", "num_input_tokens": 7, "num_generated_tokens": 2}
                    out.append({**postprocess(data), "__inference_error__": ""})
            return out

        return process


def request(custom_id, text, **body):
    line = {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions",
            "body": {"model": "m", "messages": [{"role": "user", "content": text}], **body}}
    return {"text": json.dumps(line)}


JOB = {"model": "org/model", "replicas": 3, "tensor_parallel_size": 2, "pipeline_parallel_size": 2,
       "batch_size": 16, "engine_kwargs": {"max_model_len": 4096, "tensor_parallel_size": 99}}


def test_the_processor_config_carries_every_setting():
    llm = StandInLLM()
    entrypoint.build(JOB, llm)
    assert llm.configs == [{
        "model_source": "org/model",
        # The explicit parallel sizes win over the same key in engine_kwargs.
        "engine_kwargs": {"max_model_len": 4096, "tensor_parallel_size": 2, "pipeline_parallel_size": 2},
        "concurrency": 3,
        "batch_size": 16,
        "should_continue_on_error": True,
    }], llm.configs


def test_sampling_parameters_are_mapped_from_the_chat_body():
    row = entrypoint.preprocess(request("a", "hi", temperature=0.5, max_completion_tokens=2, stop="END", seed=7,
                                        top_k=40, logprobs=True))
    assert row["custom_id"] == "a"
    assert row["messages"] == [{"role": "user", "content": "hi"}]
    assert row["sampling_params"] == {"temperature": 0.5, "seed": 7, "top_k": 40, "max_tokens": 2, "stop": ["END"]}
    assert entrypoint.preprocess(request("b", "x", max_tokens=5))["sampling_params"] == {"max_tokens": 5}


def test_rows_become_vllm_run_batch_lines():
    llm = StandInLLM()
    rows = [request("ok", "hi", max_tokens=2), request("long", "hi", max_tokens=10), request("bad", "ENGINE_ERROR")]
    lines = [json.loads(entrypoint.line_for(row)) for row in entrypoint.build(JOB, llm)(rows)]
    ok, long, bad = lines
    assert ok["custom_id"] == "ok" and ok["error"] is None
    assert ok["id"].startswith("vllm-") and ok["response"]["request_id"].startswith("vllm-batch-")
    assert ok["response"]["status_code"] == 200
    body = ok["response"]["body"]
    assert body["object"] == "chat.completion" and body["model"] == "org/model"
    assert body["choices"][0]["message"] == {"role": "assistant", "content": "hello there"}
    assert body["choices"][0]["finish_reason"] == "length", "2 of 2 tokens used"
    assert body["usage"] == {"prompt_tokens": 7, "completion_tokens": 2, "total_tokens": 9}
    assert long["response"]["body"]["choices"][0]["finish_reason"] == "stop"
    assert bad["custom_id"] == "bad" and bad["response"]["status_code"] == 500
    assert bad["response"]["body"] is None and "ValueError: boom" in bad["error"]


def test_the_stand_in_module_is_loaded_from_the_environment():
    import os
    os.environ["BATCH_ROUTER_RAY_LLM_MODULE"] = str(ROOT / "tests" / "stand-ins" / "ray_data_llm.py")
    try:
        module = entrypoint.load_llm_api()
        assert hasattr(module, "build_processor") and hasattr(module, "vLLMEngineProcessorConfig")
        assert module.__name__ == "batch_router_llm_stand_in"
    finally:
        del os.environ["BATCH_ROUTER_RAY_LLM_MODULE"]


def test_a_job_file_needs_exactly_one_argument():
    assert entrypoint.main([]) == 2


if __name__ == "__main__":
    tests = [value for name, value in sorted(globals().items()) if name.startswith("test_")]
    failed = 0
    for test in tests:
        try:
            test()
            print(f"ok - {test.__name__}")
        except Exception:  # noqa: BLE001 -- report every failure
            failed += 1
            print(f"FAILED - {test.__name__}")
            traceback.print_exc()
    print(f"{len(tests) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
