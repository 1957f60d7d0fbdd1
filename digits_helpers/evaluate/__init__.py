"""Evaluation: where models go wrong (:mod:`.confusions`), which recorded model an analysis
uses (:mod:`.choice`), the families compared (:mod:`.comparison`), ensembles
(:mod:`.ensemble`), test-time augmentation (:mod:`.tta`), submissions written, checked and
scored (:mod:`.submission`; the only reader of the test labels), and the final models'
records (:mod:`.records`).

Nothing is imported here; import the module you need
(``from digits_helpers.evaluate import submission``).
"""
