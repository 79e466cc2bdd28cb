"""Side-by-side benchmark of taskdb against every peer, on the same records, in one process.

Run ``python -m benchmarks --help``.  Modules: ``workloads`` (the fixed query set, each with
its Mongo dict, textual form, hand-written comprehension and TinyDB translation), ``engines``
(one adapter per engine), ``timing`` (medians after warm-up), ``runner`` (runs everything,
checks every engine's answers against ours), ``extras`` (parse/compile, insert, memory),
``verdicts`` (whose bug each disagreement is), ``report``/``plots`` (docs/performance.md).
"""
