"""Reporting: the store's tables (pandas DataFrames) in, console tables, markdown, figures and
one HTML file out. Imports only the store and the statistics, never the run kinds or the
executors (``tests/test_layout.py``): a report can be made wherever the database is."""
