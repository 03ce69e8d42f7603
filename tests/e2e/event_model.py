"""Events checked against AWS Lambda Powertools' ``APIGatewayProxyEventV2Model``: a model
of the payload 2.0 event written by people who capture real ones, not by this project."""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventV2Model
from pydantic import BaseModel


def problems(event: Mapping[str, Any]) -> list[str]:
    """What Powertools rejects in ``event`` (its own, lax, validation, as its parser runs
    it), and every field it does not know of: a misspelt field would otherwise pass, since
    the model ignores extra keys."""
    found = [f"unknown field {name}" for name in unknown_fields(APIGatewayProxyEventV2Model, event)]
    try:
        APIGatewayProxyEventV2Model.model_validate(event)
    except ValueError as error:  # pydantic's ValidationError is a ValueError
        found.append(str(error))
    return found


def unknown_fields(model: type[BaseModel], data: Mapping[str, Any], at: str = "") -> list[str]:
    fields = {info.alias or name: info for name, info in model.model_fields.items()}
    unknown = []
    for key, value in data.items():
        info = fields.get(key)
        if info is None:
            unknown.append(at + key)
            continue
        inner = _model_in(info.annotation)
        if inner is not None and isinstance(value, Mapping):
            unknown += unknown_fields(inner, value, f"{at}{key}.")
    return unknown


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model in ``Model`` or ``Model | None``, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                return arg
    return None
