"""Reading what the example experiments write, for their tables: ``xling-eval``'s JSON lines (tagged with the
model and the data set) and ``name: seconds`` training-time lines."""
import json
import logging
import statistics
from typing import Dict, List, Optional, Sequence


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


def seeds_cell(values: Sequence[float], scale: float = 100.0) -> str:
    """Scores of one setting over seeds -> ``mean ± std (n)`` (``mean (1)`` for one seed, ``-`` for none)."""
    values = [scale * v for v in values]
    if not values:
        return "-"
    spread = f" ± {statistics.stdev(values):.1f}" if len(values) > 1 else ""
    return f"{statistics.mean(values):.1f}{spread} ({len(values)})"


def pyplot():
    """matplotlib.pyplot for writing image files (no display; matplotlib's debug logging kept quiet: importing
    fairseq sets the root logger to DEBUG)."""
    logging.getLogger("matplotlib").setLevel(logging.WARNING)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
