"""Evaluation: the model chapters' saved results and their validation probabilities
(:mod:`.records`; ``load_results`` is given), and submissions checked and scored
(:mod:`.submission`; ``check_submission`` is given, and this is the only reader of the
test labels).

Nothing is imported here; import the module you need
(``from digits_helpers.evaluate import submission``).
"""
