"""The OpenAPI 3.1 document, generated from the declared resources and their pydantic models."""
import re

from flask import render_template, url_for
from pydantic.json_schema import models_json_schema

from app import settings
from app.api import schemas as s
from app.api.core import ROUTES, bp

_PATH_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")

ERROR_TEXT = {
    400: "Bad JSON, a bad query parameter value, or an unknown query parameter (code unknown_parameter)",
    401: "Missing, invalid, expired or revoked token",
    403: "Missing scope, or an address outside the client's allow-list",
    404: "Not found (or not visible to this client)",
    409: "Conflicts with the current state",
    413: "The body is too large",
    415: "The body is not JSON",
    422: "Invalid fields, each named in errors",
    429: "Too many requests; see Retry-After",
}


def _openapi_path(rule):
    return _PATH_PARAM.sub(lambda m: "{" + m.group(2) + "}", rule)


def _path_params(rule):
    params = []
    for converter, name in _PATH_PARAM.findall(rule):
        # a string is an order number: at most 40 characters, as people may type it (the column holds 32)
        schema = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1} if converter == "int" \
            else {"type": "string", "minLength": 1, "maxLength": 40}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return params


def _query_params(model, defs):
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    defs.update(schema.pop("$defs", {}))
    required = set(schema.get("required", ()))
    params = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        description = prop.pop("description", None)
        prop.pop("title", None)
        prop.pop("default", None) if prop.get("default") is None else None
        if "anyOf" in prop:  # "X | None": a query parameter is simply left out instead of null
            options = [o for o in prop.pop("anyOf") if o.get("type") != "null"]
            prop.update(options[0] if len(options) == 1 else {"anyOf": options})
        param = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            param["description"] = description
        params.append(param)
    return params


def _problem_response(description):
    return {"description": description, "content": {"application/problem+json": {
        "schema": {"$ref": "#/components/schemas/Problem"}}}}


def build_document():
    models = {s.Problem, s.FieldError}
    for route in ROUTES:
        models.update(m for m in (route.body, route.response) if m is not None)
    _, top = models_json_schema([(m, "validation") for m in sorted(models, key=lambda m: m.__name__)],
                                ref_template="#/components/schemas/{model}")
    schemas = dict(top.get("$defs", {}))
    paths = {}
    for route in sorted(ROUTES, key=lambda r: (r.rule, r.method)):
        op = {"operationId": route.endpoint, "summary": route.summary, "tags": [route.tag]}
        if route.description:
            op["description"] = route.description
        params = _path_params(route.rule)
        if route.query is not None:
            params += _query_params(route.query, schemas)
        params += [{"name": name, "in": "header", "required": True, "schema": {"type": "string"},
                    "description": "Base64 HMAC-SHA256 of the raw body with the platform's secret"}
                   for name in route.headers]
        if params:
            op["parameters"] = params
        if route.raw_body:
            op["requestBody"] = {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "description": "The platform's order JSON, as it sends it"}}}}
        if route.body is not None:
            op["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{route.body.__name__}"}}}}
        responses = {}
        ok = {"description": "OK" if route.status == 200 else "Created"}
        if route.response is not None:
            ok["content"] = {"application/json": {"schema": {"$ref": f"#/components/schemas/{route.response.__name__}"}}}
        responses[str(route.status)] = ok
        if route.raw_body:  # a webhook answers 201 for a new order, 200 for an update or a replay
            responses["201"] = {**ok, "description": "Created"}
        codes = set(route.errors) | ({401, 403, 429} if route.scope else set())
        if route.body is not None:
            codes |= {400, 413, 415, 422}
        for code in sorted(codes):
            text = "Signature missing or wrong" if code == 401 and route.raw_body else ERROR_TEXT.get(code, "Error")
            responses[str(code)] = _problem_response(text)
        if route.scope:
            responses["429"]["headers"] = {"Retry-After": {"description": "Seconds to wait",
                                                           "schema": {"type": "string"}}}
            op["security"] = [{"oauth2": [route.scope]}]
        else:
            op["security"] = []
        op["responses"] = dict(sorted(responses.items()))
        paths.setdefault(_openapi_path(bp.url_prefix + route.rule), {})[route.method] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": f"{settings.get('SHOP_NAME', 'Posylka')} API", "version": "1.0.0",
                 "description": "Orders (with or without shipments), shipments, their status and new orders "
                                "for a shop's own systems. Authenticate with OAuth2 client credentials at "
                                "/oauth/token; send Authorization: Bearer <token>. Errors are "
                                "application/problem+json, each with a stable machine code in code (see the "
                                "Problem schema). A list refuses a query parameter it does not know (400 "
                                "unknown_parameter); access_token and _ are ignored there."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"oauth2": {"type": "oauth2", "flows": {"clientCredentials": {
                "tokenUrl": "/oauth/token",
                "scopes": {"read:shipments": "Read shipments, their orders and status history",
                           "write:shipments": "Create orders, change status, set carrier and tracking number"}}}}},
        },
    }


@bp.route("/openapi.json")
def openapi_json():
    return build_document()


@bp.route("/docs")
def docs():
    """A readable page built from the same document (server-rendered, no scripts, no CDN)."""
    document = build_document()
    operations = []
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            body_ref = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            params = [{"name": p["name"], "where": p["in"], "type": type_text(p["schema"]),
                       "required": p["required"], "description": p.get("description", "")}
                      for p in op.get("parameters", [])]
            operations.append({"method": method.upper(), "path": path, "op": op, "params": params,
                               "body": body_ref.get("$ref", "").rsplit("/", 1)[-1] or None,
                               "scope": (op.get("security") or [{}])[0].get("oauth2", [None])[0]})
    schemas = [{"name": name, "fields": _fields(schema)} for name, schema in sorted(document["components"]["schemas"].items())]
    return render_template("api/docs.html", document=document, operations=operations, schemas=schemas,
                           openapi_url=url_for("api.openapi_json"))


def type_text(schema):
    """A short human reading of a JSON schema: "string ≤ 200", "Customer", "array of Item", "a | b"."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(type_text(option) for option in schema["anyOf"])
    if "enum" in schema or "const" in schema:
        return " | ".join(f'"{v}"' for v in schema.get("enum", [schema.get("const")]))
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {type_text(schema.get('items', {}))}"
    extra = []
    if "format" in schema:
        extra.append(schema["format"])
    if "maxLength" in schema:
        extra.append(f"≤ {schema['maxLength']} chars")
    if "minimum" in schema or "maximum" in schema:
        extra.append(f"{schema.get('minimum', '')}…{schema.get('maximum', schema.get('exclusiveMaximum', ''))}")
    return kind + (f" ({', '.join(extra)})" if extra else "")


def _fields(schema):
    required = set(schema.get("required", ()))
    return [{"name": name, "type": type_text(prop), "required": name in required,
             "description": prop.get("description", "")}
            for name, prop in schema.get("properties", {}).items()]
