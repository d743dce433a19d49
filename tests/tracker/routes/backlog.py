from tests.tracker.routes import ALL, CONTRIBUTORS, Row

ROWS: dict[str, Row] = {
    "backlog.index": ("GET", "/backlog", ALL),
    "backlog.export": ("GET", "/backlog/export.csv", ALL),
    "backlog.matrix_page": ("GET", "/matrix", ALL),
    "backlog.import_csv": ("POST", "/suggestions/import", CONTRIBUTORS),
    "backlog.import_template": ("GET", "/suggestions/import/template.csv", CONTRIBUTORS),
}
