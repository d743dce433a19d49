"""The fuzz tables keep up with the app: every documented API operation, every form and every
page addressed by id is fuzzed (a new route fails here until tests/fuzz/routes.py lists it)."""

from __future__ import annotations

from tests.fuzz.routes import API, FORMS

# Routes the form fuzzing leaves alone, and why.
NOT_FUZZED = {
    "auth.logout": "takes no input; signing out would end the fuzzing session",
    "static": "files, no input",
    "hooks.jira": "a JSON route: fuzzed with the API",
}


def test_every_documented_operation_is_fuzzed(client):
    document = client.get("/api/v1/openapi.json").get_json()
    documented = {
        f"{method.upper()} /api/v1{path}"
        for path, operations in document["paths"].items()
        for method in operations
    }
    fuzzed = {route.label for route in API if route.prefix == "/api/v1"}
    assert documented - fuzzed == set()
    assert fuzzed - documented == set()


def test_every_form_and_page_with_an_id_is_fuzzed(app):
    fuzzed = {(form.endpoint, form.method) for form in FORMS}
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") or rule.endpoint in NOT_FUZZED:
            continue
        methods = rule.methods or set()
        if "POST" in methods and (rule.endpoint, "POST") not in fuzzed:
            missing.append(f"POST {rule.rule}")
        if "GET" in methods and rule.arguments and (rule.endpoint, "GET") not in fuzzed:
            missing.append(f"GET {rule.rule}")
    assert missing == []
