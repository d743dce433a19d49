"""Everything that talks to Jira or runs on a schedule, for the tracker app.

The app's factory (tracker/__init__.py) imports sync's gateway and CLI commands, and every sync
module imports tracker's config, models and services. Python runs a package's __init__ before
any of its modules, so the tracker package is loaded here first: a sync module imported on its
own then finds the app package complete, instead of the package reaching back into that module
while it is only half imported.
"""

import tracker.config  # noqa: F401  (for the load order above)
