"""Review workbench for sle-abstract results: ``streamlit run app.py [-- --results DIR]``.

With no arguments it opens the README's demo run (``demo-output/``). Options
and environment variables: see :mod:`nlp.review.settings`; the page itself is
laid out in :mod:`nlp.ui.app`.
"""

from nlp.ui.app import main

main()
