"""Check a downloaded encoder against the facts the config states about it, and save it for training
(with its MLM head, or as a bare backbone where it has none)."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from align_transfer.alignment.encoders import FACTS, prepare_base_encoder
from align_transfer.ops.runner import logged

with logged(snakemake):
    # the facts come with the steering: only mlm_head shapes the output (a param); the rest are checked
    steering = snakemake.params.steering
    facts = {fact: steering.encoder[fact] for fact in FACTS} | {"mlm_head": snakemake.params.mlm_head}
    prepare_base_encoder(snakemake.input[0], snakemake.output[0], steering.encoder_key, facts)
