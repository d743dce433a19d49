from tests.tracker.routes import ADMIN, ALL, PUBLIC, Row

ROWS: dict[str, Row] = {
    "static": ("GET", "/static/css/app.css", PUBLIC),
    "home.health": ("GET", "/healthz", PUBLIC),
    "auth.login": ("GET", "/login", PUBLIC),
    "api.openapi_document": ("GET", "/api/v1/openapi.json", PUBLIC),
    "home.index": ("GET", "/", ALL),
    "auth.logout": ("POST", "/logout", ALL),
    "account.token_list": ("GET", "/account/tokens", ALL),
    "account.token_create": ("POST", "/account/tokens", ALL),
    "account.token_revoke": ("POST", "/account/tokens/999/revoke", ALL),
    "account.password": ("GET", "/account/password", ALL),
    "account.session_list": ("GET", "/account/sessions", ALL),
    "account.session_revoke": ("POST", "/account/sessions/" + "0" * 64 + "/revoke", ALL),
    # Ends the person's other sessions only: the walk's own browser stays signed in.
    "account.session_revoke_others": ("POST", "/account/sessions/revoke-others", ALL),
    "admin.users": ("GET", "/admin/users", ADMIN),
    "admin.user_create": ("POST", "/admin/users", ADMIN),
    "admin.user_edit": ("GET", "/admin/users/{user_id}", ADMIN),
    "admin.organisations": ("GET", "/admin/organisations", ADMIN),
    "api.me": ("GET", "/api/v1/me", ALL),
}
