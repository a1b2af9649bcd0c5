"""Every thesis figure: a function building its tidy table, and one drawing it (PNG + CSV).

Drawing functions take the tidy table and an output folder, write ``<name>.png`` and the
``<name>.csv`` behind it, and raise :class:`~analysis.figures.common.NoDataError` rather than
draw an empty plot.
"""
