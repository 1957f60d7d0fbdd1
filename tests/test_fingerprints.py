"""Fingerprints of arrays, of code behaviour and of library versions."""

import numpy as np

from digits_helpers import fingerprints


def test_array_fingerprints_see_values_shape_and_dtype():
    a = np.arange(6, dtype=np.uint8)
    assert fingerprints.fingerprint(a) == fingerprints.fingerprint(a.copy())
    assert fingerprints.fingerprint(a) != fingerprints.fingerprint(a.reshape(2, 3))
    assert fingerprints.fingerprint(a) != fingerprints.fingerprint(a.astype(np.int64))
    assert fingerprints.fingerprint(a) != fingerprints.fingerprint(a[::-1])


def test_behaviour_ignores_docstrings_comments_and_layout_only():
    source = 'def f(x):\n    """Doc."""\n    return x + 1  # one\n'
    assert fingerprints.behaviour(source) == fingerprints.behaviour(
        '# top\ndef f(x):\n    """Another doc,\n    on two lines."""\n    return (x\n            + 1)\n')
    assert fingerprints.behaviour('def f(x):\n    """Doc."""\n') == fingerprints.behaviour("def f(x):\n    pass\n")
    assert fingerprints.behaviour(source) != fingerprints.behaviour(source.replace("+ 1", "+ 2"))
    assert fingerprints.behaviour(source) != fingerprints.behaviour(source.replace("x + 1", "1 + x"))
    with_docs = fingerprints.behaviour(source, docstrings=True)
    assert with_docs != fingerprints.behaviour(source.replace("Doc.", "Docs."), docstrings=True)


def test_code_identity_of_the_package():
    one = fingerprints.code_identity("data.loading", "data.embedded")
    assert one == fingerprints.code_identity("data.loading", "data.embedded")
    assert one != fingerprints.code_identity("data.embedded", "data.loading")  # names are part of it
    assert "keras_training" in fingerprints.package_modules()
    assert "data.__init__" in fingerprints.package_modules()


def test_library_versions_are_read_without_importing():
    assert fingerprints.library_versions("numpy") == f"numpy {np.__version__}"
    assert fingerprints.library_versions("no-such-package-here") == "no-such-package-here absent"
