"""The API's OpenAPI 3.1 description (`GET /openapi.json`) and a page that lists
it (`GET /docs`), written out by hand: one place that says what each route takes
and answers, and a page that needs nothing from the network."""
from __future__ import annotations

import html
from typing import Any

__all__ = ["docs_page", "openapi"]

_ERROR = {"description": "An error: `{\"error\": {\"status\", \"message\", \"hint\", …}}`; a `.scene` error adds "
                         "`text`, `file`, `line`, `column`, `source_line`, `caret`.",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_JOB = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}}
_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}

_OPTIONS = {
    "platform": {"type": "string", "description": "youtube, shorts, tiktok, … (encoding and limits)"},
    "preset": {"type": "string"}, "size": {"description": "WIDTHxHEIGHT, e.g. \"640x360\"", "type": "string"},
    "fps": {"type": "number"}, "quality": {"type": "string", "enum": ["draft", "standard", "high"]},
    "age": {"type": "integer", "description": "a story's audience (2-5)"},
    "extras": {"type": "boolean", "description": "thumbnail, captions, metadata (default true)"},
    "check": {"type": "string", "enum": ["fail", "warn", "off"], "description": "check-video after the render"},
    "webhook": {"type": "string", "format": "uri", "description": "POSTed the job's JSON, signed, when done or failed"},
}


def openapi(version: str) -> dict[str, Any]:
    submit = {"type": "object", "properties": {
        "template": {"type": "string", "description": "a template's name (`render templates`)"},
        "parameters": {"type": "object", "description": "the template's parameters"},
        "story": {"type": "string", "description": "a story's text (pages split at blank lines)"},
        "scene": {"type": "string", "description": "the text of a .scene file"},
        "variables": {"type": "object", "description": "the .scene's template variables"}, **_OPTIONS}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "storyreel render API", "version": version,
                 "description": "Queue renders of templates, stories and .scene files; poll, download, cancel. "
                                "docs/SERVICE.md has examples."},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
                    "status": {"type": "integer"}, "message": {"type": "string"}, "hint": {"type": ["string", "null"]},
                    "field": {"type": "string"}, "file": {"type": "string"}, "line": {"type": "integer"},
                    "column": {"type": "integer"}, "text": {"type": "string"}}}}},
                "Job": {"type": "object", "properties": {
                    "id": {"type": "integer"},
                    "state": {"type": "string", "enum": ["queued", "running", "checking", "done", "failed",
                                                         "cancelled"]},
                    "progress": {"type": "object", "properties": {"frames_done": {"type": "integer"},
                                                                  "frames_total": {"type": "integer"},
                                                                  "fraction": {"type": "number"}}},
                    "attempts": {"type": "integer"}, "error": {"type": ["object", "null"]},
                    "files": {"type": "array", "items": {"type": "object", "properties": {
                        "name": {"type": "string"}, "kind": {"type": "string"}, "bytes": {"type": "integer"},
                        "url": {"type": "string"}}}},
                    "video": {"type": ["object", "null"]}, "webhook": {"type": ["object", "null"]}}},
                "Submit": submit,
            },
        },
        "security": [{"bearer": []}],
        "paths": {
            "/v1/jobs": {
                "post": {"summary": "Submit a job", "requestBody": {"content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Submit"}},
                    "multipart/form-data": {"schema": {"type": "object", "properties": {
                        "scene": {"type": "string", "format": "binary"},
                        "assets": {"type": "array", "items": {"type": "string", "format": "binary"},
                                   "description": "each file's name is its path in the project"},
                        "options": {"type": "string", "description": "JSON: variables and the options"}}}}}},
                    "responses": {"202": {"description": "Queued", **_JOB}, "400": _ERROR, "401": _ERROR,
                                  "413": _ERROR, "429": _ERROR}},
                "get": {"summary": "List jobs, newest first", "parameters": [
                    {"name": "state", "in": "query", "schema": {"type": "string"}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 500}},
                    {"name": "before", "in": "query", "schema": {"type": "integer"}}],
                    "responses": {"200": {"description": "`{\"jobs\": [Job], \"next\": id|null}`"}, "401": _ERROR}},
            },
            "/v1/jobs/{id}": {
                "get": {"summary": "A job: state, progress, errors with locations, files, webhook deliveries",
                        "parameters": [_ID], "responses": {"200": {"description": "The job", **_JOB},
                                                           "404": _ERROR}},
                "delete": {"summary": "Cancel a job: its worker stops, no partial output remains",
                           "parameters": [_ID], "responses": {"202": {"description": "Cancelled or cancelling", **_JOB},
                                                              "404": _ERROR, "409": _ERROR}},
            },
            "/v1/jobs/{id}/files/{name}": {
                "get": {"summary": "Download a finished job's file (video, captions, thumbnail, metadata); "
                                   "Range requests are answered 206",
                        "parameters": [_ID, {"name": "name", "in": "path", "required": True,
                                             "schema": {"type": "string"}}],
                        "responses": {"200": {"description": "The file"}, "206": {"description": "Part of it"},
                                      "404": _ERROR, "409": _ERROR}},
            },
            "/healthz": {"get": {"summary": "Liveness (no token needed)", "security": [],
                                 "responses": {"200": {"description": "`{\"ok\": true, …}`"}}}},
            "/metrics": {"get": {"summary": "Prometheus text format",
                                 "responses": {"200": {"description": "text/plain; version=0.0.4"}}}},
            "/openapi.json": {"get": {"summary": "This description", "security": [],
                                      "responses": {"200": {"description": "OpenAPI 3.1"}}}},
        },
    }


def docs_page(spec: dict[str, Any]) -> str:
    rows = []
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            codes = ", ".join(op.get("responses", {}))
            rows.append(f"<tr><td><code>{method.upper()}</code></td><td><code>{html.escape(path)}</code></td>"
                        f"<td>{html.escape(op['summary'])}</td><td>{codes}</td></tr>")
    return ("<!doctype html><meta charset=utf-8><title>storyreel API</title>"
            "<style>body{font:15px system-ui;margin:2em;max-width:60em}td{padding:.3em .8em;border-bottom:1px solid "
            "#ddd}</style>"
            f"<h1>{html.escape(spec['info']['title'])} {html.escape(spec['info']['version'])}</h1>"
            f"<p>{html.escape(spec['info']['description'])} The machine-readable description: "
            "<a href=/openapi.json>/openapi.json</a>. Send <code>Authorization: Bearer TOKEN</code>.</p>"
            "<table><tr><th>method</th><th>path</th><th>what</th><th>answers</th></tr>" + "".join(rows) + "</table>")
