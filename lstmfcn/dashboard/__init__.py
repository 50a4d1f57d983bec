"""Streamlit-free logic behind the dashboard: selection and URL state, sources by id, uploads,
background training and background checks (jobs, tasks: shared, owned per session, bounded), the
limits of a personal run and of the served mode (serving), results stored as arrays (checks),
download names (downloads), and the array computations the pages draw.

The Streamlit layer (``app.py``, ``pages/``) only reads widgets, calls these functions (cached)
and draws :mod:`lstmfcn.figures`; everything here is plain Python, tested without a browser.
"""
