"""Joint training against sequential (beyond the paper): Δ score and Δ gradient cosine cell by cell, beside
Tables 1 and 3, and the two joint claims per task and across tasks (claims.joint)."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from align_transfer.claims.joint import joint_claims, joint_gradients, joint_transfer
from align_transfer.core.results import read_results, write_frame
from align_transfer.ops.runner import logged
from align_transfer.tables.tables import write_table

with logged(snakemake) as log:
    params, claims, output, inputs = snakemake.params, snakemake.params.claims, snakemake.output, snakemake.input
    alpha, encoder, expected = claims["alpha"], snakemake.wildcards.encoder, params.steering.expected
    transfer, noise = joint_transfer(
        read_results(inputs.item_scores, "items", expected), claims["resamples"], claims["seed"], alpha
    )
    gradients = joint_gradients(
        read_results(inputs.sequential, "gradients", expected), read_results(inputs.joint, "gradients", expected), alpha
    )
    verdicts = joint_claims(transfer, noise, gradients, alpha)
    verdicts.insert(0, "encoder", encoder)
    shown = dict(losses=params.losses, alpha=alpha, encoder=encoder)
    write_table(output.transfer, output.transfer_md, transfer, "joint_transfer", **shown)
    write_table(output.gradients, output.gradients_md, gradients, "joint_gradients", **shown)
    write_table(output.claims, output.claims_md, verdicts, "claims", alpha=alpha, name="joint")
    write_frame(output.item_noise, noise)
    log.info("joint training: %d cells, %d claims: %s", len(transfer), len(verdicts), ", ".join(verdicts["verdict"]))
