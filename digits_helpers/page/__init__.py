"""What pages show: the run's profile and data, sources and tables (:mod:`.display`),
figures (:mod:`.plotting`), numbers in words (:mod:`.wording`), the source study's figures
(:mod:`.reference`) and each model chapter's last step, refit, submit and record
(:mod:`.final`).

Nothing is imported here; import the module you need
(``from digits_helpers.page import plotting``).
"""
