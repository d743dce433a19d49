from tests.tracker.routes import ADMIN, EVERY_ACCOUNT, PUBLIC, Row

ROWS: dict[str, Row] = {
    "static": ("GET", "/static/css/app.css", PUBLIC),
    "home.health": ("GET", "/healthz", PUBLIC),
    "auth.login": ("GET", "/login", PUBLIC),
    "api.openapi_document": ("GET", "/api/v1/openapi.json", PUBLIC),
    "home.index": ("GET", "/", EVERY_ACCOUNT),
    "auth.logout": ("POST", "/logout", EVERY_ACCOUNT),
    "account.token_list": ("GET", "/account/tokens", EVERY_ACCOUNT),
    "account.token_create": ("POST", "/account/tokens", EVERY_ACCOUNT),
    "account.token_revoke": ("POST", "/account/tokens/999/revoke", EVERY_ACCOUNT),
    "account.password": ("GET", "/account/password", EVERY_ACCOUNT),
    "account.session_list": ("GET", "/account/sessions", EVERY_ACCOUNT),
    "account.session_revoke": ("POST", "/account/sessions/" + "0" * 64 + "/revoke", EVERY_ACCOUNT),
    # Ends the person's other sessions only: the walk's own browser stays signed in.
    "account.session_revoke_others": ("POST", "/account/sessions/revoke-others", EVERY_ACCOUNT),
    "admin.users": ("GET", "/admin/users", ADMIN),
    "admin.user_create": ("POST", "/admin/users", ADMIN),
    "admin.user_edit": ("GET", "/admin/users/{user_id}", ADMIN),
    "admin.organisations": ("GET", "/admin/organisations", ADMIN),
    "api.me": ("GET", "/api/v1/me", EVERY_ACCOUNT),
}
