"""What pages show: the run's banner (:mod:`.display`; ``run_info`` is given), the figure
style (:mod:`.plotting`; ``set_style`` is given), numbers in words for the glued sentences
(:mod:`.wording`), the source study's figures (:mod:`.reference`), and the drawing page
(:mod:`.draw`).

Nothing is imported here; import the module you need
(``from digits_helpers.page import wording``).
"""
