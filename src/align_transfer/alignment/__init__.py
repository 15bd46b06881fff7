"""Phase I (paper §4.2): the base encoders, the contrastive losses and alignment training."""
