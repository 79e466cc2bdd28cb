"""Side-by-side benchmark of taskdb against every peer, on the same records, in one process.

Run ``python -m benchmarks --help``.  Modules: ``workloads`` (the fixed query set, each with
its Mongo dict, textual form, hand-written comprehension and TinyDB translation), ``engines``
(one adapter per engine), ``timing`` (medians after warm-up), ``runner`` (runs everything,
checks every engine's answers against ours), ``extras`` (parse/compile, insert, memory),
``percall`` (the predicate called per record vs a lambda), ``storage`` (large answers, full
collections, inserts, with the collector on), ``verdicts`` (whose bug each disagreement is),
``report``/``storage_report``/``plots`` (docs/performance.md), ``before`` (the figures of
the tree before round 2, which the report shows beside today's).
"""
