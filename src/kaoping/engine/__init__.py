"""The engine: indicator definitions compiled to Ibis and computed for every subject.

``periods`` (what a period is), ``hierarchy`` (who is below whom), ``compile`` (measures
to monthly cubes), ``periodsums`` (monthly sums to every standard period), ``distinct``
(exact distinct counts), ``blocks`` (Ibis building blocks), ``stats`` (value, change,
interval, flags), ``rank`` (ranks among peers), ``compute`` (the whole run), ``figures``
(every indicator's figures picked from the cube sums), ``store`` (the stored figures and
the results views), ``records``, ``adhoc`` and ``explain`` (one figure from its records),
``values`` (what a reader gets back). The friendly entry point is
:class:`kaoping.Warehouse`.
"""
