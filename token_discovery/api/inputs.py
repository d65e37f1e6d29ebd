"""Every input the HTTP routes take, declared once: the routes validate with these declarations and the
OpenAPI document is built from the very same objects, so the two cannot disagree."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from flask import request

from token_discovery.api.responses import BadRequest
from token_discovery.sources.chains import CHAINS

F = TypeVar("F", bound=Callable[..., Any])
DIGITS = re.compile(r"-?[0-9]{1,19}")
Where = Literal["query", "body"]


@dataclass(frozen=True)
class Integer:
    """An optional integer within [low, high]: digits in a query string, a JSON number in a body (an empty
    string or a null is not a number)."""

    name: str
    low: int
    high: int
    default: int | None = None
    description: str = ""

    def read(self, value: Any, where: Where) -> int:
        """The given value, or BadRequest."""
        if where == "query" and isinstance(value, str) and DIGITS.fullmatch(value.strip()):
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int) or not self.low <= value <= self.high:
            raise BadRequest(f"{self.name} must be an integer between {self.low} and {self.high}")
        return value

    def schema(self) -> dict[str, Any]:
        """Its JSON schema."""
        extra = {"default": self.default} if self.default is not None else {}
        return {"type": "integer", "minimum": self.low, "maximum": self.high, **extra, **_described(self.description)}


@dataclass(frozen=True)
class Choice:
    """An optional string among `choices` (absent means any; an empty string or a null is not a choice)."""

    name: str
    choices: tuple[str, ...]
    description: str = ""

    default: None = None

    def read(self, value: Any, where: Where) -> str:
        """The given value, or BadRequest."""
        if not isinstance(value, str) or value not in self.choices:
            raise BadRequest(f"{self.name} must be one of {', '.join(self.choices)}")
        return value

    def schema(self) -> dict[str, Any]:
        """Its JSON schema."""
        return {"type": "string", "enum": list(self.choices), **_described(self.description)}


Field = Integer | Choice


def _described(text: str) -> dict[str, str]:
    """A description member when there is one."""
    return {"description": text} if text else {}


@dataclass(frozen=True)
class Inputs:
    """The fields of one route, all optional, in its query string or in its JSON body (and nothing else there)."""

    where: Where
    fields: tuple[Field, ...]

    def read(self) -> dict[str, Any]:
        """The request's values of these fields by name, or BadRequest."""
        given = query_string(self.fields) if self.where == "query" else json_body(tuple(f.name for f in self.fields))
        return {field.name: field.read(given[field.name], self.where) if field.name in given else field.default
                for field in self.fields}  # fmt: skip

    def parameters(self) -> list[dict[str, Any]]:
        """The OpenAPI parameters (query inputs)."""
        if self.where != "query":
            return []
        return [{"name": field.name, "in": "query", "schema": field.schema()} for field in self.fields]

    def request_body(self) -> dict[str, Any] | None:
        """The OpenAPI request body (body inputs)."""
        if self.where != "body":
            return None
        schema = {"type": "object", "properties": {field.name: field.schema() for field in self.fields},
                  "additionalProperties": False}  # fmt: skip
        return {"required": False, "content": {"application/json": {"schema": schema}}}


def query_string(fields: tuple[Field, ...]) -> Mapping[str, str]:
    """The query string's values of `fields`; a field given twice is refused, not half read."""
    for field in fields:
        if len(request.args.getlist(field.name)) > 1:
            raise BadRequest(f"{field.name} is given more than once")
    return request.args


def json_body(allowed: tuple[str, ...]) -> Mapping[str, Any]:
    """The request body as a JSON object with only the `allowed` fields; an empty body is an empty object."""
    if not request.get_data(cache=True):
        return {}
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # silent=True only covers ValueError; a deeply nested body must not be a 500
        raise BadRequest("body is nested too deeply") from None
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    unknown = sorted(set(body) - set(allowed))
    if unknown:  # e.g. a profile_url: this service never fetches a URL it is given
        raise BadRequest(f"unknown field(s): {', '.join(unknown)[:200]}; allowed: {', '.join(allowed) or 'none'}")
    return body


def takes(inputs: Inputs) -> Callable[[F], F]:
    """Validate a view's `inputs` before it runs and hand them over as keyword arguments; the OpenAPI document
    reads the same declaration from the view (its `inputs` attribute)."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def validated(*args: Any, **kwargs: Any) -> Any:
            return view(*args, **kwargs, **inputs.read())

        validated.inputs = inputs  # type: ignore[attr-defined]
        return validated  # type: ignore[return-value]

    return decorate


MAX_TOKENS = Integer("max_tokens", 1, 100, description="tokens to discover; the service's setting when absent")
CHAIN = Choice("chain", tuple(CHAINS))
TRIGGER = Inputs("body", (MAX_TOKENS, Choice("chain", tuple(CHAINS), "only this chain; every chain when absent")))
AUTO_START = Inputs("body", (Integer("interval_seconds", 10, 86400, description="seconds between scans"),
                             MAX_TOKENS))  # fmt: skip
RECENT = Inputs("query", (Integer("limit", 1, 200, 50), CHAIN,
                          Integer("after_seq", 0, 2**62, description="only tokens stored after this seq")))  # fmt: skip
OUTCOMES = Inputs("query", (Integer("hours", 1, 720, 24, "the window, in hours before now"),))
