"""Fuzzing as part of the suite: Hypothesis over every JSON route and every form with hostile
input classes, and a bounded schemathesis run over the served OpenAPI document.

Every run is deterministic (derandomized, no example database), so CI sees the same examples
each time; a failure names the route, the input and the server's own exception.
"""
