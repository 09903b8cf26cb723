"""How the problems of a study spec are reported: one line per problem, with its location in the
file and what is allowed there."""

from __future__ import annotations

from pydantic import BaseModel, ValidationError


def format_errors(exc: ValidationError, source: str, root: type[BaseModel]) -> str:
    """Every problem of a spec's validation, one line each: ``location: message`` (an unknown
    key lists the keys allowed there)."""
    lines = [f"{source}: {exc.error_count()} problem(s) in the study spec"]
    for err in exc.errors():
        loc = _location(err["loc"])
        if err["type"] == "extra_forbidden":
            allowed = _allowed_keys(err["loc"][:-1], root)
            message = f"unknown key; allowed: {', '.join(allowed)}"
        elif err["type"] == "missing":
            message = "required key is missing"
        else:
            message = err["msg"].removeprefix("Value error, ")
            if "input" in err and err["type"] not in ("value_error",):
                message += f" (got {err['input']!r})"
        lines.append(f"  {loc or '(top level)'}: {message}")
    return "\n".join(lines)


def _location(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _allowed_keys(loc: tuple, root: type[BaseModel]) -> list[str]:
    """The keys allowed at ``loc`` (the table that held an unknown key)."""
    model: type[BaseModel] = root
    for part in loc:
        if isinstance(part, int):
            continue
        annotation = model.model_fields[part].annotation
        inner = getattr(annotation, "__args__", (annotation,))[0]
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            model = inner
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
        else:
            return []
    return list(model.model_fields)
