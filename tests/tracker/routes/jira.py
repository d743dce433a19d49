from tests.tracker.routes import ADMIN, PRODUCT, READERS_OF_STORIES, Row

ROWS: dict[str, Row] = {
    "jira.check": ("GET", "/jira/check", ADMIN),
    "jira.check_run": ("POST", "/jira/check", ADMIN),
    "jira.push": ("POST", "/jira/push", PRODUCT),
    "jira.initiative_push": ("POST", "/jira/initiatives/999/push", PRODUCT),
    "jira.pushes": ("GET", "/jira/pushes", READERS_OF_STORIES),
    "jira.progress": ("GET", "/jira/pushes/999", READERS_OF_STORIES),
    "jira.story_update": ("POST", "/jira/stories/999/update", PRODUCT),
    "jira.story_unlink": ("POST", "/jira/stories/999/unlink", PRODUCT),
    "jira.story_relink": ("POST", "/jira/stories/999/relink", PRODUCT),
}
