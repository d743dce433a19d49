from tests.tracker.routes import ALL, PRODUCT, Row

# Every role may open the list and the digests about them; digest 999 does not exist (404).
ROWS: dict[str, Row] = {
    "digests.index": ("GET", "/digests", ALL),
    "digests.page": ("GET", "/digests/999", ALL),
    "digests.markdown": ("GET", "/digests/999.md", ALL),
    "digests.send_now": ("POST", "/digests/send-now", PRODUCT),
}
