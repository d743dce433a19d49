"""Vendor check-in packs: what happened with one vendor organisation since the last check-in
(pack.py, with its queues' trends in trends.py), recording a check-in (records.py) and the pack
as Markdown (markdown.py)."""
