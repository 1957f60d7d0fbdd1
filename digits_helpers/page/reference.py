"""What the two source write-ups reported (shared/STUDY.md), quoted as reference points.

These were measured on Kaggle's hidden test labels and other machines; the book's own
numbers are computed, these are only shown beside them.
"""

SOURCE_RESULTS = {
    "logistic": {"label": "Logistic regression (C = 0.1)", "val_accuracy": 0.9244, "kaggle": 0.9210,
                 "seconds": 61.5},
    "mlp": {"label": "MLP (400, 300), SGD", "val_accuracy": 0.9786, "kaggle": 0.9785, "seconds": 126.0},
    "cnn_lenet": {"label": "LeNet-like CNN, batch norm + augmentation", "val_accuracy": 0.9933,
            "kaggle": 0.9925, "seconds": 673.0},
    "cnn_deep": {"label": "Deeper CNN, Bayesian-tuned", "val_accuracy": 0.9963, "kaggle": 0.995,
                 "seconds": None},
}
