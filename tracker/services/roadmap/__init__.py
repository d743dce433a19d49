"""The roadmap: now / next / later columns of initiatives and ideas for stakeholders and
contributors (board.py builds it under the visibility rules, export.py writes it as Markdown)."""
