"""Pages rendered from `templates/` with jinja2."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from testbed.clock import iso_kst
from testbed.network.gateway import tenancy
from testbed.network.seed import DEMO_CALLBACKS
from testbed.typedefs import OPENAPI, RUNTIME
from testbed.web.render import render


async def index(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    world = runtime.world
    now = world.clock.now()
    return render(
        request,
        "index.html",
        now=iso_kst(now),
        clock=world.clock.state(),
        centre=world.centre_state(),
        # the shared demo institutions only: a portal app's secret is its developer's
        clients=tenancy.institutions_of(world, tenancy.SHARED),
        banks=world.bank_states(),
        base_url=f"{request.scheme}://{request.host}",
    )


_SAMPLE_CALLBACK = re.compile(r"(http://127\.0\.0\.1:\d+)/callback")


async def sample(request: web.Request) -> web.Response:
    """The sample fintech (`testbed sample`): its address once it registered its callback
    (`http://127.0.0.1:<port>/callback`) with an institution, else how to start it. The
    demo institutions' seeded callbacks (`DEMO_CALLBACKS`, one of them on the testbed's
    own port) are not samples."""
    world = request.app[RUNTIME].world
    own = f"http://127.0.0.1:{request.url.port}"  # the testbed itself is no sample
    urls = sorted(
        {
            found.group(1) + "/"
            for client in tenancy.institutions_of(world, tenancy.SHARED)
            for uri in client.redirect_uris
            if uri not in DEMO_CALLBACKS
            and (found := _SAMPLE_CALLBACK.fullmatch(uri))
            and found.group(1) != own
        }
    )
    return render(request, "sample.html", urls=urls, base_url=f"{request.scheme}://{request.host}")


def _field(name: str, schema: dict[str, Any], required: bool) -> dict[str, Any]:
    values = ", ".join(schema.get("enum", []))
    return {
        "name": name,
        "type": schema.get("description", schema.get("type", "")),
        "required": required,
        "values": values,
    }


def _docs_operations(document: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            fields: list[dict[str, Any]] = []
            where = ""
            for param in op.get("parameters", []):
                fields.append(
                    _field(param["name"], param.get("schema", {}), param.get("required", False))
                )
                where = param["in"]
            for media, content in op.get("requestBody", {}).get("content", {}).items():
                schema = content.get("schema", {})
                required = set(schema.get("required", []))
                fields += [
                    _field(n, s, n in required) for n, s in schema.get("properties", {}).items()
                ]
                where = media
            answer: list[str] = []
            items: list[str] = []
            content = op["responses"].get("200", {}).get("content", {}).get("application/json", {})
            props = content.get("schema", {}).get("properties", {})
            if path.startswith(("/v2.0", "/oauth/2.0/token", "/oauth/2.0/revoke")):
                answer = list(props)
                items = list(props.get("res_list", {}).get("items", {}).get("properties", {}))
            groups.setdefault(op["tags"][0], []).append(
                {
                    "id": op["operationId"],
                    "method": method,
                    "path": path,
                    "summary": op["summary"],
                    "description": op.get("description", ""),
                    "fields": fields,
                    "where": where,
                    "answer": answer,
                    "list_fields": items,
                }
            )
    return list(groups.items())


async def docs(request: web.Request) -> web.Response:
    """The OpenAPI document as a page people read (no external script or style)."""
    doc = request.app[OPENAPI]
    return render(
        request,
        "docs.html",
        info=doc["info"],
        openapi=doc["openapi"],
        groups=_docs_operations(doc),
    )
