"""Intake: read an issue folder into an `Issue` (issue.toml, submissions, front matter, text
files, Markdown, image headers); scaffolds; no judging.

May import `core`, `texts` and `store`.
"""
