"""The review UI (Streamlit): ``app.py`` calls :func:`nlp.ui.app.main`.

Views live in :mod:`nlp.ui.views`, one module each; they read the contract
output files and the notes (:mod:`nlp.review.results`) and the review store
(:mod:`nlp.review.store`), never pipeline internals.
"""
