"""The seed (Python `batch-router` from PyPI) preparing and uploading COUNT OpenAI requests.

Run by bench/peers.mjs with the interpreter of .venv-seed (made by scripts/setup.sh). The upload
stops at the OpenAI client's `files.create`, after the file it was handed has been read: the
request objects are built before the clock starts, as in the JavaScript columns.
Prints {"ms": …, "bytes": …}.
"""

import json
import sys
import time

from batch_router import OpenAIChatCompletionsProvider
from batch_router.core.base.content import TextContent
from batch_router.core.base.provider import ProviderId
from batch_router.core.base.request import InferenceParams
from batch_router.core.input.batch import InputBatch
from batch_router.core.input.message import InputMessage
from batch_router.core.input.request import InputRequest
from batch_router.core.input.role import InputMessageRole


class UploadStopped(Exception):
    pass


def main() -> None:
    count = int(sys.argv[1])
    params = InferenceParams(
        model_id="gpt-4o-mini",
        provider_id=ProviderId.OPENAI,
        system_prompt="You are a careful assistant. Answer briefly and precisely.",
        max_output_tokens=256,
        temperature=0.2,
    )
    requests = [
        InputRequest(
            custom_id=f"request-{index}",
            messages=[
                InputMessage(
                    role=InputMessageRole.USER,
                    contents=[TextContent(text=f"Question {index}: summarise the main idea of paragraph {index % 97} in two sentences, please.")],
                )
            ],
            params=params,
        )
        for index in range(count)
    ]
    provider = OpenAIChatCompletionsProvider(api_key="sk-bench")
    seen = {}

    def stop_at_upload(file, purpose):
        seen["bytes"] = len(file.read())
        seen["at"] = time.perf_counter()
        raise UploadStopped()

    provider.client.files.create = stop_at_upload
    # OpenAI takes 50,000 requests per batch: the same slices as the JavaScript columns.
    total_ms, total_bytes = 0.0, 0
    for start in range(0, count, 50_000):
        batch = InputBatch(requests=requests[start : start + 50_000])
        started = time.perf_counter()
        try:
            provider.send_batch(batch)
        except UploadStopped:
            pass
        total_ms += (seen["at"] - started) * 1000
        total_bytes += seen["bytes"]
    print(json.dumps({"ms": total_ms, "bytes": total_bytes}))


if __name__ == "__main__":
    main()
