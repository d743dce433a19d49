"""Plain helpers that test modules import: seeding, reading pages and fakes. No fixtures (those
are in tests/plugins/ and the folders' conftest.py) and no tests."""
