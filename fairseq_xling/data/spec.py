"""The small `TYPE:POSITIONAL:key=value` syntax used by --objectives and --schedule.

Example: ``similarity:de-en:negatives=10,skipgram:de-en:window=5`` is two objectives; ``weighted`` and
``temperature:t=5`` are schedules. Option values are converted to the type of the dataclass field they fill,
so a typo or a wrong type is an error that names the component and lists what it accepts.
"""
import dataclasses
import math
import typing
from typing import Any, Dict, List, Tuple

from fairseq_xling.errors import UserError


def registrar(registry: dict, kind: str):
    """A ``@register_<kind>(name)`` decorator that adds a class to ``registry`` and refuses duplicates."""

    def register(name):
        def wrap(cls):
            if name in registry:
                raise ValueError(f"{kind} {name!r} is already registered")  # a programming error
            registry[name] = cls
            return cls

        return wrap

    return register


def parse_spec(spec: str) -> Tuple[str, List[str], Dict[str, str]]:
    """``"skipgram:de-en:window=5"`` -> ``("skipgram", ["de-en"], {"window": "5"})``."""
    parts = [p.strip() for p in spec.strip().split(":")]
    if not parts[0]:
        raise UserError(f"empty component name in {spec!r}")
    positional, options = [], {}
    for part in parts[1:]:
        if "=" in part:
            key, value = part.split("=", 1)
            key = key.strip().replace("-", "_")  # max-pairs and max_pairs name the same option
            if key in options:
                raise UserError(f"option {key!r} given twice in {spec!r}")
            options[key] = value.strip()
        elif part:
            positional.append(part)
    return parts[0], positional, options


def split_specs(specs: str) -> List[str]:
    """Comma-separated list of specs (blank entries are ignored)."""
    return [s for s in (x.strip() for x in specs.split(",")) if s]


def _convert(value: str, annotation: Any, where: str, key: str) -> Any:
    origin = typing.get_origin(annotation)
    if origin is typing.Union:  # Optional[X]
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if value.lower() in ("none", "null", ""):
            return None
        annotation = args[0]
    try:
        if annotation is bool:
            if value.lower() in ("1", "true", "yes", "on"):
                return True
            if value.lower() in ("0", "false", "no", "off"):
                return False
            raise UserError(value)
        if annotation in (int, float, str):
            converted = annotation(value)
        else:
            return value
    except ValueError:
        raise UserError(f"{where}: option {key}={value!r} is not a valid {annotation.__name__}") from None
    if annotation is float and not math.isfinite(converted):
        raise UserError(f"{where}: option {key}={value!r}: expected a finite number")
    return converted


def fill_dataclass(cls, options: Dict[str, str], where: str, extra_ok=()):
    """Build dataclass ``cls`` from string ``options``; keys in ``extra_ok`` are left for the caller.

    Returns (instance, leftover options).
    """
    fields = {f.name: f for f in dataclasses.fields(cls) if not f.name.startswith("_")}  # _name is fairseq's own
    kwargs, leftover = {}, {}
    for key, value in options.items():
        if key in fields:
            kwargs[key] = _convert(value, fields[key].type if not isinstance(fields[key].type, str)
                                   else typing.get_type_hints(cls)[key], where, key)
        elif key in extra_ok:
            leftover[key] = value
        else:
            known = sorted(set(fields) | set(extra_ok))
            raise UserError(f"{where}: unknown option {key!r}; expected one of {', '.join(known)}")
    return cls(**kwargs), leftover
