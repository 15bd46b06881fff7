"""Operations, not science: the compute and disk plans, cost models, benchmarks, and how jobs run
(logging and errors, the warm worker). The science never imports this."""
