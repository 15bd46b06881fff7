"""Phase III (paper §4.4, §4.5): embeddings, retrieval and similarity, gradient similarity."""
