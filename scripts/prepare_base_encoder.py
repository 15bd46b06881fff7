"""Save the downloaded encoder as a masked-LM model (a new tied head where it has none)."""

from align_transfer.worker import delegate

delegate()  # in the warm worker, where one runs (README, "Speed of the mini world")

from align_transfer.encoders import prepare_base_encoder
from align_transfer.runner import logged

with logged(snakemake):
    prepare_base_encoder(snakemake.input[0], snakemake.output[0])
