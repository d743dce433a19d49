from tests.tracker.routes import PUBLIC, Row

# Jira signs its deliveries instead of signing in; with no secret configured the route is 404.
ROWS: dict[str, Row] = {
    "hooks.jira": ("POST", "/hooks/jira", PUBLIC),
}
