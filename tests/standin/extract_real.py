"""Extract the two real responses published in the AI/ML API docs into ``real_responses.json``.

The docs pages print the OpenAI SDK's parsed response object for the input
``"Laura is a DJ."``; this reads the vector, model and token count out of
that print, checks every value is exactly a float32 (what the server sent
as base64), and stores the vector as little-endian float32 base64 so the
stand-in can answer it byte for byte.

    python -m tests.standin.extract_real <directory holding the api-docs pages>
"""

from __future__ import annotations

import base64
import json
import re
import struct
import sys
from pathlib import Path

PAGES = {
    "000_ca4360bdfee04fc5.txt": "text-multilingual-embedding-002",
    "003_d2dad90e433ae24a.txt": "text-embedding-3-small",
}
OUT = Path(__file__).with_name("real_responses.json")


def parse(page: str, model: str) -> dict[str, object]:
    text = re.search(r'^text = "([^"]+)"', page, re.MULTILINE)
    printed = re.search(
        r"CreateEmbeddingResponse\(data=\[Embedding\(embedding=\[([^\]]+)\], index=0.*?model='([^']+)'.*?"
        r"prompt_tokens=(\d+)",
        page,
        re.DOTALL,
    )
    if text is None or printed is None:
        raise SystemExit(f"no recorded response for {model} on this page")
    values = [float(v) for v in printed.group(1).split(",")]
    packed = struct.pack(f"<{len(values)}f", *values)
    if list(struct.unpack(f"<{len(values)}f", packed)) != values:
        raise SystemExit(f"the {model} values are not float32-exact: base64 would change them")
    if printed.group(2) != model:
        raise SystemExit(f"the page for {model} printed a response for {printed.group(2)}")
    return {
        "model": model,
        "input": text.group(1),
        "prompt_tokens": int(printed.group(3)),
        "dimension": len(values),
        "embedding_f32le_base64": base64.b64encode(packed).decode("ascii"),
    }


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    docs = Path(argv[0])
    records = [parse((docs / name).read_text("utf-8"), model) for name, model in PAGES.items()]
    OUT.write_text(json.dumps(records, indent=1) + "\n", "utf-8")
    print(f"wrote {OUT.name}: " + ", ".join(f"{r['model']} ({r['dimension']} values)" for r in records))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
