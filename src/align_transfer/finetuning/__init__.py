"""Phase II (paper §4.3): full and linear-only fine-tuning and zero-shot evaluation."""
