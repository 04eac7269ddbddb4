"""The OpenAPI 3 document of the whole surface, built from the catalogue and route tables.

Request schemas come from the same `Spec`s the handlers validate with; response
schemas from the catalogue's shapes, closed (`additionalProperties: false`), so a test
can hold every answer the server gives to the document.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from testbed import __version__
from testbed.api.catalogue import Operation, Shape
from testbed.api.fields import Field, Spec

_KIND_PATTERNS = {
    "N": "^[0-9]*$",
    "AN": "^[0-9A-Za-z]*$",
    "aN": "^[0-9A-Za-z]*$",
    "A": "^[A-Za-z]*$",
    "aNS": "^[\\x20-\\x7e]*$",
}


def field_schema(f: Field) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "maxLength": f.size, "description": f.notation}
    if f.exact:
        schema["minLength"] = f.size
    if f.kind in _KIND_PATTERNS and not f.choices:
        schema["pattern"] = _KIND_PATTERNS[f.kind]
    if f.choices:
        schema["enum"] = list(f.choices)
    return schema


def spec_schema(spec: Spec, items: Spec | None = None) -> dict[str, Any]:
    properties = {f.name: field_schema(f) for f in spec.fields}
    if items is not None:
        properties["req_list"] = {"type": "array", "items": spec_schema(items), "minItems": 1}
    required = [f.name for f in spec.fields if f.required]
    if items is not None:
        required.append("req_list")
    return {"type": "object", "properties": properties, "required": required}


def shape_schema(shape: Shape) -> dict[str, Any]:
    def closed(names: Iterable[str]) -> dict[str, Any]:
        props: dict[str, Any] = {}
        for name in names:
            if name == "res_list":
                props[name] = {"type": "array", "items": closed(shape.items)}
            elif name in shape.numbers:
                props[name] = {"type": "integer"}
            else:
                props[name] = {"type": "string"}
        return {"type": "object", "properties": props, "additionalProperties": False}

    schema = closed(shape.fields)
    if shape.required:
        schema["required"] = list(shape.required)
    return schema


def _operation(op: Operation) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": f"{op.name_ko} ({op.name_en})",
        "tags": [op.group],
        "responses": {
            "200": {
                "description": "KFTC answer: success or a refusal, told by rsp_code",
                "content": {"application/json": {"schema": shape_schema(op.response)}},
            }
        },
    }
    if op.scopes:
        doc["security"] = [{"kftc": list(op.scopes)}]
        doc["description"] = f"Token scope: any of {', '.join(op.scopes)}."
    if op.request is not None:
        if op.body == "query":
            doc["parameters"] = [
                {"name": f.name, "in": "query", "required": f.required, "schema": field_schema(f)}
                for f in op.request.fields
            ]
        else:
            media = "application/x-www-form-urlencoded" if op.body == "form" else "application/json"
            doc["requestBody"] = {
                "required": True,
                "content": {media: {"schema": spec_schema(op.request, op.items)}},
            }
    return doc


def _other_id(method: str, path: str) -> str:
    words = path.strip("/").replace("{", "").replace("}", "").replace(".", "_").replace("/", "_")
    return f"{method.lower()}_{words or 'index'}"


def build(
    operations: Iterable[Operation],
    others: Iterable[tuple[str, str, str, str]],
    query: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """`others`: (method, path, summary, media type) of the pages and the testbed's own
    routes; `text/html` ones are browser pages (the consent flow under /oauth/, else the
    testbed's pages); another type than JSON (`text/csv`: a download) answers a string.
    `query`: the optional query parameters (strings) of those routes, by path."""
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op)
    for method, path, summary, media in others:
        if media == "text/html":
            paths.setdefault(path, {})[method.lower()] = {
                "operationId": _other_id(method, path),
                "summary": summary,
                "tags": ["OAuth" if path.startswith("/oauth/") else "pages"],
                "responses": {
                    "200": {"description": "an HTML page", "content": {"text/html": {}}},
                    "302": {"description": "back to the redirect_uri with code or error"},
                    "400": {
                        "description": "an error page: an unknown client or an unregistered"
                        " redirect_uri is never redirected to",
                        "content": {"text/html": {}},
                    },
                },
            }
            continue
        entry: dict[str, Any] = {
            "operationId": "testbed_"
            + path.strip("/").replace("/", "_").replace("{", "").replace("}", "")
            + f"_{method.lower()}",
            "summary": summary,
            "tags": ["testbed"],
            "responses": {
                "200": {
                    "description": "success",
                    "content": {media: {"schema": {"type": "string"}}}
                    if media != "application/json"
                    else {media: {"schema": {"type": "object"}}},
                },
                **(
                    {
                        "201": {
                            "description": "created",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    }
                    if method == "POST"
                    else {}
                ),
                "4XX": {
                    "description": "refused: {error}",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"error": {"type": "string"}},
                                "required": ["error"],
                            }
                        }
                    },
                },
            },
        }
        if path.startswith("/testbed/"):
            entry["security"] = [{"admin": []}]
        params = [seg[1:-1] for seg in path.split("/") if seg.startswith("{")]
        parameters = [
            {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
            for p in params
        ] + [
            {"name": q, "in": "query", "required": False, "schema": {"type": "string"}}
            for q in (query or {}).get(path, ())
        ]
        if parameters:
            entry["parameters"] = parameters
        paths.setdefault(path, {})[method.lower()] = entry
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "KFTC Open Banking testbed",
            "version": __version__,
            "description": (
                "The KFTC Open Banking API v2.0 (오픈뱅킹) as this testbed serves it, and the"
                " testbed's own control plane under /testbed/. KFTC answers are HTTP 200 with"
                " rsp_code; every value is a string unless the schema says otherwise."
            ),
        },
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {
                "kftc": {
                    "type": "oauth2",
                    "flows": {
                        "clientCredentials": {
                            "tokenUrl": "/oauth/2.0/token",
                            "scopes": {"oob": "센터인증 이용기관", "sa": "자체인증 이용기관"},
                        },
                        "authorizationCode": {
                            "authorizationUrl": "/oauth/2.0/authorize",
                            "tokenUrl": "/oauth/2.0/token",
                            "scopes": {
                                "login": "사용자 로그인",
                                "inquiry": "조회",
                                "transfer": "출금이체",
                            },
                        },
                    },
                },
                "admin": {"type": "http", "scheme": "bearer"},
            }
        },
        "paths": paths,
    }
