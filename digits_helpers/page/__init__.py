"""What pages show: the run's banner, sources and tables (:mod:`.display`; ``run_info`` is
given), the figure style and the Keras chapters' figures (:mod:`.plotting`; ``set_style`` is
given), numbers in words for the glued sentences (:mod:`.wording`), the source study's figures
(:mod:`.reference`), the Keras chapters' last step, refit, submit and record
(:mod:`.final`), and the drawing page (:mod:`.draw`).

Nothing is imported here; import the module you need
(``from digits_helpers.page import plotting``).
"""
