"""The OpenAPI document: every route of the app is in it, it validates as OpenAPI 3.1, it is
served without a token, it says who may call each route, and the reference pages load with
nothing but the edge's own files."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator, validate
from starlette.applications import Starlette
from starlette.routing import Route

from classbridge_common.testing import make_settings
from edge import openapi
from edge.access import access_of
from edge.app import create_app
from edge.clients import Clients
from edge.routing import operation_of
from edge.settings import Settings


@pytest.fixture(scope="module")
def app() -> Starlette:
    settings = make_settings(Settings, service_name="edge", data_dir=Path("var"))
    return create_app(settings=settings, clients=Clients.__new__(Clients))


@pytest.fixture(scope="module")
def document(app: Starlette) -> dict[str, Any]:
    return openapi.build(app.routes)


def test_every_route_of_the_app_is_in_the_document(
    app: Starlette, document: dict[str, Any]
) -> None:
    seen = 0
    for candidate in app.routes:
        assert isinstance(candidate, Route), candidate
        item = document["paths"][candidate.path]
        for method in candidate.methods or ():
            if method == "HEAD":
                continue
            operation = item[method.lower()]
            seen += 1
            names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert names == set(re.findall(r"{(\w+)}", candidate.path)), candidate.path
            assert "200" in operation["responses"] or any(
                s.startswith(("2", "3"))
                for s in operation["responses"]  # 3xx: a redirect
            )
    documented = sum(
        1 for item in document["paths"].values() for method in item if method != "parameters"
    )
    assert documented == seen
    assert seen > 60


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")
    validate(document, cls=OpenAPIV31SpecValidator)
    ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))


def test_each_operation_says_who_may_call_it(app: Starlette, document: dict[str, Any]) -> None:
    for candidate in app.routes:
        access = access_of(candidate)
        assert access is not None
        for method in (candidate.methods or set()) - {"HEAD"}:  # type: ignore[attr-defined]
            operation = document["paths"][candidate.path][method.lower()]  # type: ignore[attr-defined]
            assert operation["x-classbridge-access"]["scope"] == access.scope
            if access.scope == "public":
                assert operation["security"] == []
                # Zoom's webhooks authenticate with a signature, not a token.
                signed = candidate.path.startswith("/api/zoom/webhook") or candidate.path == (
                    "/api/zoom/deauthorization"
                )
                assert ("401" in operation["responses"]) == signed, candidate.path
                continue
            assert operation["security"] == [{"bearer": []}]
            for role in access.roles:
                assert role in operation["description"]
            assert {"400", "401", "403", "404", "409", "429"} <= set(operation["responses"])
            error = operation["responses"]["403"]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/Error"}
    scheme = document["components"]["securitySchemes"]["bearer"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")


def test_bodies_and_queries_are_the_models_the_routes_check(
    app: Starlette, document: dict[str, Any]
) -> None:
    schemas = document["components"]["schemas"]
    for candidate in app.routes:
        operation = operation_of(candidate)
        assert operation is not None
        method = next(iter((candidate.methods or {"GET"}) - {"HEAD"}))  # type: ignore[attr-defined]
        documented = document["paths"][candidate.path][method.lower()]  # type: ignore[attr-defined]
        if operation.body is None:
            assert "requestBody" not in documented
        else:
            body = documented["requestBody"]
            assert body["required"] is not operation.body_optional
            ref = body["content"]["application/json"]["schema"]["$ref"]
            assert schemas[ref.rsplit("/", 1)[1]] is not None
        query = {p["name"] for p in documented.get("parameters", []) if p["in"] == "query"}
        expected = set(operation.query.rules()) if operation.query else set()
        assert query == expected, candidate.path
    course = schemas["CreateCourse"]
    assert course["required"] == ["title"]
    assert course["properties"]["title"] == {
        "type": "string",
        "maxLength": 300,
        "minLength": 1,
        "pattern": r"\S",
    }
    batch = schemas["CreateBatch"]["properties"]["type"]
    assert batch == {"type": "string", "enum": ["group", "individual"]}


def test_answers_are_in_the_envelope_with_the_rendered_message(document: dict[str, Any]) -> None:
    get_batch = document["paths"]["/api/v1/batches/{batch_id}"]["get"]["responses"]["200"]
    schema = get_batch["content"]["application/json"]["schema"]
    assert schema["required"] == ["success", "data"]
    assert schema["properties"]["data"] == {
        "$ref": "#/components/schemas/classbridge.scheduler.v1.Batch"
    }
    listed = document["paths"]["/api/v1/batches"]["get"]["responses"]["200"]
    properties = listed["content"]["application/json"]["schema"]["properties"]
    assert set(properties) == {"success", "next_page_token", "total_size", "data"}
    batch = document["components"]["schemas"]["classbridge.scheduler.v1.Batch"]
    assert batch["properties"]["start_date"] == {
        "anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]
    }
    assert batch["additionalProperties"] is False


async def test_the_document_is_served_without_a_token(
    client: httpx.AsyncClient, document: dict[str, Any]
) -> None:
    answer = await client.get("/openapi.json")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == document


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "spec-url") and value:
                self.urls.append(value)


CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css", ".json": "application/json"}


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_reference_pages_load_only_what_the_edge_serves(
    client: httpx.AsyncClient, page: str
) -> None:
    answer = await client.get(page)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    links = _Links()
    links.feed(answer.text)
    assert links.urls, "the page names its assets"
    for url in links.urls:
        parts = urlsplit(url)
        assert not parts.scheme, f"{page} loads {url} from elsewhere"
        assert not parts.netloc, f"{page} loads {url} from elsewhere"
        path = urlsplit(urljoin(f"http://edge.test{page}", url)).path
        asset = await client.get(path)
        assert asset.status_code == 200, path
        media = CONTENT_TYPES[Path(path).suffix]
        assert asset.headers["content-type"].split(";")[0] == media, path
        assert asset.content


async def test_viewers_are_told_to_stay_home(client: httpx.AsyncClient) -> None:
    init = await client.get("/docs/assets/swagger-init.js")
    assert 'url: "openapi.json"' in init.text
    assert "validatorUrl: null" in init.text  # no badge fetched from the validator's site
    redoc = await client.get("/redoc")
    assert 'disable-telemetry="true"' in redoc.text
    for name in ("swagger-ui-LICENSE.txt", "redoc-LICENSE.txt"):
        license_text = await client.get(f"/docs/assets/{name}")
        assert license_text.status_code == 200
        assert license_text.headers["content-type"].startswith("text/plain")


async def test_everything_else_still_needs_a_token(client: httpx.AsyncClient) -> None:
    answer = await client.get("/api/v1/courses")
    assert answer.status_code == 401
    assert (await client.get("/docs/assets/unknown.js")).status_code == 401


def test_outgoing_webhook_routes_are_documented(document: dict[str, Any]) -> None:
    paths = document["paths"]
    expected = {
        "/api/v1/webhooks/endpoints": {"get", "post"},
        "/api/v1/webhooks/endpoints/{endpoint_id}": {"get", "patch", "delete"},
        "/api/v1/webhooks/endpoints/{endpoint_id}/rotate-secret": {"post"},
        "/api/v1/webhooks/endpoints/{endpoint_id}/test": {"post"},
        "/api/v1/webhooks/endpoints/{endpoint_id}/replay-failed": {"post"},
        "/api/v1/webhooks/deliveries": {"get"},
        "/api/v1/webhooks/deliveries/{delivery_id}": {"get"},
        "/api/v1/webhooks/deliveries/{delivery_id}/replay": {"post"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
    created = paths["/api/v1/webhooks/endpoints"]["post"]
    assert "201" in created["responses"]
    assert "409" in created["responses"]
