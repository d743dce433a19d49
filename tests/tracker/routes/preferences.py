from tests.tracker.routes import EVERY_ACCOUNT, PUBLIC, Row

ROWS: dict[str, Row] = {
    "preferences.email": ("GET", "/account/email", EVERY_ACCOUNT),
    "preferences.unfollow": ("POST", "/account/email/initiatives/999/unfollow", EVERY_ACCOUNT),
    # The signed token is the authorisation; a made-up one gets the friendly 400 page.
    "preferences.unsubscribe": ("GET", "/unsubscribe/not-a-token", PUBLIC),
    "preferences.unsubscribe_confirm": ("POST", "/unsubscribe/not-a-token", PUBLIC),
}
