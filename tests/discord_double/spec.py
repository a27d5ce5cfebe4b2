"""Discord's OpenAPI description: matching REST requests to operations and validating them.

The description lives in shared/ beside the repository folder (a vendored copy of
discord/discord-api-spec). Bodies are validated with JSON Schema draft 2020-12; the
spec's `$ref`s resolve against the whole document.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.discord_double.records import Upload

SPEC_PATH = (
    Path(__file__).resolve().parents[2] / ".." / "shared" / "discord-api-spec" / "openapi.json"
)
SPEC_URI = "urn:hourglass:discord-openapi"
METHODS = ("get", "put", "post", "patch", "delete")
FILE_FIELD = re.compile(r"files\[(\d+)\]")


class SpecMissingError(RuntimeError):
    """Discord's OpenAPI description is not where the tests expect it."""


@dataclass(frozen=True)
class Operation:
    """One method of one path template of the description."""

    template: str
    method: str
    definition: Mapping[str, Any]
    parameters: Mapping[str, Mapping[str, Any]]

    @property
    def needs_bot_token(self) -> bool:
        """Whether every security alternative needs credentials (none is `{}`)."""
        alternatives = self.definition.get("security", [{}])
        return all(alternative for alternative in alternatives)

    def content_types(self) -> set[str]:
        """The request body media types the operation accepts."""
        body = self.definition.get("requestBody", {})
        return set(body.get("content", {}))


@dataclass
class RequestBody:
    """A request body as the bot sent it: JSON, or multipart with payload_json and files."""

    media_type: str | None
    json: Any = None
    uploads: tuple[Upload, ...] = ()
    other_fields: tuple[str, ...] = ()


class ApiSpec:
    """The loaded description, with path matching and cached validators."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self._registry: Registry = Registry().with_resource(SPEC_URI, resource)
        self._validators: dict[str, Draft202012Validator] = {}
        self._routes = [_compile(template) for template in document["paths"]]

    def match(self, method: str, path: str) -> tuple[str | None, Operation | None, dict[str, str]]:
        """Finds the path template and operation for a request path relative to /api/v10.

        Returns (template, operation, path values); the template is None when no path
        matches, the operation None when the path has no such method.
        """
        matches = [
            (literals, template, found.groupdict())
            for template, pattern, literals in self._routes
            if (found := pattern.fullmatch(path))
        ]
        if not matches:
            return None, None, {}

        _, template, values = max(matches, key=lambda match: match[0])
        item = self.document["paths"][template]
        definition = item.get(method.lower())
        if definition is None:
            return template, None, values

        parameters = _parameters(item, definition, self.document)
        return template, Operation(template, method.lower(), definition, parameters), values

    def check_request(
        self,
        operation: Operation,
        path_values: Mapping[str, str],
        query: Iterable[tuple[str, str]],
        body: RequestBody,
    ) -> list[str]:
        """Every way the request breaks the description; empty when it is valid."""
        problems = self._check_path(operation, path_values)
        problems += self._check_query(operation, query)
        problems += self._check_body(operation, body)
        return problems

    def check_response(self, operation: Operation, status: int, payload: Any) -> list[str]:
        """Every way a JSON answer breaks the operation's documented response."""
        responses = operation.definition.get("responses", {})
        if str(status) not in responses:
            return [f"status {status} is not documented for {operation.template}"]

        answer = responses[str(status)]
        if "application/json" not in answer.get("content", {}):
            return [] if payload is None else [f"status {status} documents no body"]

        pointer = "/".join(
            ["/paths", _escape(operation.template), operation.method, "responses", str(status)]
        )
        return self._validate(pointer + "/content/application~1json/schema", payload)

    def _check_path(self, operation: Operation, values: Mapping[str, str]) -> list[str]:
        problems = []
        for name, value in values.items():
            schema = operation.parameters.get(name, {}).get("schema", {})
            problems += [f"path {name}: {p}" for p in self._validate_inline(schema, value)]
        return problems

    def _check_query(self, operation: Operation, query: Iterable[tuple[str, str]]) -> list[str]:
        problems = []
        for name, raw in query:
            parameter = operation.parameters.get(name)
            if parameter is None or parameter.get("in") != "query":
                problems.append(f"query parameter {name} is not in the description")
                continue

            schema = parameter.get("schema", {})
            value = _coerce(raw, self._resolve(schema))
            problems += [f"query {name}={raw}: {p}" for p in self._validate_inline(schema, value)]
        return problems

    def _check_body(self, operation: Operation, body: RequestBody) -> list[str]:
        accepted = operation.content_types()
        if body.media_type is None:
            required = operation.definition.get("requestBody", {}).get("required", False)
            return ["a request body is required"] if required else []

        if body.media_type not in accepted:
            return [f"media type {body.media_type} is not accepted (only {sorted(accepted)})"]

        problems = _check_multipart_fields(body)
        if "application/json" not in accepted:
            return [*problems, "the description has no JSON schema to check the body against"]

        document = _tolerate_upload_indexes(body)
        pointer = "/".join(["/paths", _escape(operation.template), operation.method])
        schema_pointer = pointer + "/requestBody/content/application~1json/schema"
        return problems + self._validate(schema_pointer, document)

    def _validate(self, pointer: str, instance: Any) -> list[str]:
        validator = self._validators.get(pointer)
        if validator is None:
            schema = {"$ref": f"{SPEC_URI}#{pointer}"}
            validator = Draft202012Validator(schema, registry=self._registry)
            self._validators[pointer] = validator
        return _describe(validator, instance)

    def _validate_inline(self, schema: Mapping[str, Any], instance: Any) -> list[str]:
        rooted = _rebase_refs(schema)
        return _describe(Draft202012Validator(rooted, registry=self._registry), instance)

    def _resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        reference = schema.get("$ref")
        if not isinstance(reference, str) or not reference.startswith("#/"):
            return schema
        node: Any = self.document
        for part in reference[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node


@functools.cache
def load_spec(path: Path = SPEC_PATH) -> ApiSpec:
    """Loads (once per process) the description, or fails saying where it was expected."""
    if not path.is_file():
        raise SpecMissingError(
            f"Discord's OpenAPI description is missing: expected {path.resolve()} "
            "(shared/discord-api-spec/openapi.json beside the repository folder)"
        )
    return ApiSpec(json.loads(path.read_text(encoding="utf-8")))


def _compile(template: str) -> tuple[str, re.Pattern[str], int]:
    parts = []
    literals = 0
    for segment in template.strip("/").split("/"):
        if segment.startswith("{") and segment.endswith("}"):
            parts.append(f"(?P<{segment[1:-1]}>[^/]+)")
        else:
            parts.append(re.escape(segment))
            literals += 1
    return template, re.compile("/" + "/".join(parts)), literals


def _parameters(
    item: Mapping[str, Any], definition: Mapping[str, Any], document: Mapping[str, Any]
) -> dict[str, Mapping[str, Any]]:
    found: dict[str, Mapping[str, Any]] = {}
    for parameter in [*item.get("parameters", []), *definition.get("parameters", [])]:
        if "$ref" in parameter:
            name = parameter["$ref"].rsplit("/", 1)[-1]
            parameter = document["components"]["parameters"][name]
        found[parameter["name"]] = parameter
    return found


def _check_multipart_fields(body: RequestBody) -> list[str]:
    if body.media_type != "multipart/form-data":
        return []

    problems = [f"unexpected multipart field {name}" for name in body.other_fields]
    for upload in body.uploads:
        match = FILE_FIELD.fullmatch(upload.field)
        if match is None or int(match.group(1)) > 9:
            problems.append(f"file field {upload.field} is not files[0] to files[9]")
    if body.json is None:
        problems.append("multipart body has no payload_json field")
    return problems


def _tolerate_upload_indexes(body: RequestBody) -> Any:
    """A copy of the JSON body where new attachments' integer ids become strings.

    disnake refers to a new upload as `{"id": n}`, the index of `files[n]`; Discord
    accepts that, the description types attachment ids as snowflake strings. Only
    integers that name a file of this very request are tolerated.
    """
    document = copy.deepcopy(body.json)
    uploaded = {int(m.group(1)) for u in body.uploads if (m := FILE_FIELD.fullmatch(u.field))}
    if not isinstance(document, dict) or not uploaded:
        return document

    holders = [document, document.get("data")]
    for holder in holders:
        attachments = holder.get("attachments") if isinstance(holder, dict) else None
        for attachment in attachments if isinstance(attachments, list) else []:
            index = attachment.get("id") if isinstance(attachment, dict) else None
            if type(index) is int and index in uploaded:
                attachment["id"] = str(index)
    return document


def _coerce(raw: str, schema: Mapping[str, Any]) -> Any:
    kind = schema.get("type")
    if kind == "boolean" and raw.lower() in ("true", "false", "1", "0"):
        return raw.lower() in ("true", "1")
    if kind == "integer" and re.fullmatch(r"-?\d+", raw):
        return int(raw)
    return raw


def _rebase_refs(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {
            key: (f"{SPEC_URI}{value}" if key == "$ref" else _rebase_refs(value))
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [_rebase_refs(item) for item in schema]
    return schema


def _describe(validator: Draft202012Validator, instance: Any) -> list[str]:
    error = best_match(validator.iter_errors(instance))
    if error is None:
        return []

    error = _closest_alternative(error)
    where = "/".join(str(part) for part in error.absolute_path)
    message = error.message
    if len(message) > 300:
        # The message quotes the offending value; keep its start and the verdict at the end.
        message = f"{message[:120]} ... {message[-150:]}"
    return [f"{where}: {message}" if where else message]


def _closest_alternative(error: ValidationError) -> ValidationError:
    """Inside anyOf/oneOf, the error of the alternative the body most likely meant.

    That is one whose type tag (an enum or const) matched, then the one that got deepest.
    """
    while error.context:
        branches: dict[Any, list[ValidationError]] = {}
        for inner in error.context:
            branches.setdefault(inner.relative_schema_path[0], []).append(inner)

        def reach(errors: list[ValidationError]) -> tuple[bool, int, int]:
            picked = not any(e.validator in ("const", "enum") for e in errors)
            return picked, max(len(e.absolute_path) for e in errors), -len(errors)

        closest = max(branches.values(), key=reach)
        error = max(closest, key=lambda e: len(e.absolute_path))
    return error


def _escape(template: str) -> str:
    return template.replace("~", "~0").replace("/", "~1")
