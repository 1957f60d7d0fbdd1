"""The models, as builders and data: scikit-learn pipelines (:mod:`.pipelines`), Keras
network builders (:mod:`.networks`) and their augmentation (:mod:`.augmentation`),
learning-rate schedules (:mod:`.schedules`), the description of a Keras training
(:mod:`.keras_recipe`), the families with the recipes the chapters recorded
(:mod:`.recipes`), and the ensemble's candidate networks (:mod:`.members`).

Nothing is imported here: :mod:`.networks` imports Keras, which the scikit-learn chapters
never load; import the module you need (``from digits_helpers.models import recipes``).
"""
