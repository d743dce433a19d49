from tests.tracker.routes import ADMIN, Row

ROWS: dict[str, Row] = {
    "sync_runs.index": ("GET", "/admin/sync", ADMIN),
    "sync_runs.start": ("POST", "/admin/sync/run", ADMIN),
}
