"""Reading what the example experiments write, for their tables: ``xling-eval``'s JSON lines (tagged with the
model and the data set) and ``name: seconds`` training-time lines."""
import json
from typing import Dict, List, Optional


def read_rows(path: str) -> List[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def read_times(path: Optional[str]) -> Dict[str, str]:
    """``name: 1234 s`` lines -> {name: "1234 s"} (the last line of a name wins; no path: empty)."""
    times = {}
    if path:
        with open(path, encoding="utf-8") as f:
            for line in f:
                name, _, seconds = line.partition(":")
                if name.strip():
                    times[name.strip()] = seconds.strip()
    return times
