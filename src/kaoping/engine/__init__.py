"""The engine: indicator definitions compiled to Ibis and computed for every subject.

``periods`` (what a period is), ``hierarchy`` (who is below whom), ``compile`` (measures
to monthly cubes), ``distinct`` (exact distinct counts), ``blocks`` (Ibis building
blocks), ``stats`` (value, change, interval, flags), ``rank`` (ranks among peers),
``compute`` (the whole run), ``store`` (the results table), ``records``, ``adhoc`` and
``explain`` (one figure from its records), ``values`` (what a reader gets back). The
friendly entry point is :class:`kaoping.Warehouse`.
"""
