"""What the tests share: data, helper functions and fixtures, in modules that are not tests.

No test module (``test_*.py``) or ``conftest.py`` imports another one; what two of them need
lives here (``tests/test_layout_tests.py`` checks it). Fixtures used by more than one directory
are plugins registered in ``tests/conftest.py``.
"""
