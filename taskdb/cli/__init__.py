"""The ``taskdb`` command line (``taskdb.cli:main`` is the console script).

main.py      exit statuses, errors, Ctrl-C          args.py     the argparse parser
commands.py  sample, query, explain, shell, demo    answers.py  find, sort, window, print
records.py   reading JSON input, our JSON errors    sources.py  FILE arguments -> a database
linesdb.py   a DictDB-like DB of any JSON records   results.py  MongoDB sort, projection, counts
output.py    tables, colour, Extended JSON output   hints.py    type-mismatch hints
plans.py     explain text                           cluster.py  --cluster (Client.db_query)
shell.py     the shell's commands                   shell_ui.py the shell's prompt_toolkit side
progress.py  progress bars on a terminal            outfile.py  all-or-nothing output files
demo.py      taskdb demo                            errors.py   CommandError
"""

from .main import build_parser, main
from .sources import build_db, open_files

__all__ = ["main", "build_parser", "open_files", "build_db"]
