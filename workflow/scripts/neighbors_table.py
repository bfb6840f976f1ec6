import json
from pathlib import Path

from neighborhoods import job, neighbor_summary
from neighborhoods.reporting import tables

with job.start(snakemake.log[0], threads=snakemake.threads):
    summaries = {kind: json.loads(Path(path).read_text()) for kind, path in snakemake.input.items()}
    depth, depths = snakemake.params.depth, snakemake.params.depths
    table = neighbor_summary.table(summaries, depth)
    subsets = neighbor_summary.subset_table(summaries, depths)
    title = f"Neighbors of split 0: zero-similarity fill and hubs in the top {depth}"
    per_subset = (
        "Neighbors of split 0 by subset: fill, and neighbors that share a label with their image, "
        f"in the top {' and top '.join(map(str, depths))}"
    )
    Path(snakemake.output.markdown).write_text(
        tables.to_markdown(table, title, "") + "\n" + tables.to_markdown(subsets, per_subset, "")
    )
    table.to_csv(snakemake.output.csv, index=False)
    subsets.to_csv(snakemake.output.subsets_csv, index=False)
