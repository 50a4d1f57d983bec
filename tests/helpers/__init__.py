"""What several test modules share, in one place (test modules never import one another).

* :mod:`tests.helpers.shipped` — the repository's paths and the shipped checkpoints the tests open;
* :mod:`tests.helpers.models` — tiny untrained models and a snapshot of what may change on a shared one;
* :mod:`tests.helpers.planted` — data with a planted signal whose place is known;
* :mod:`tests.helpers.malformed_files` — the corpus of malformed dataset files;
* :mod:`tests.helpers.browser` — Chromium, a ``streamlit run app.py`` server, and waiting for the page.
* :mod:`tests.helpers.fake_streamlit` — ``streamlit run`` recorded instead of started (``lstmfcn dashboard``).

The fixtures built on them are in ``tests/conftest.py``.
"""
