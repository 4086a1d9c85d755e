"""Evaluation: the paper's metrics and figures, validation during training, and the headless demo."""
