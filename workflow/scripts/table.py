from neighborhoods import job, protocol
from neighborhoods.reporting import tables

with job.start(snakemake.log[0], threads=snakemake.threads):
    table = protocol.Table.from_dict(snakemake.params.table)
    rows = [(row.label, tables.load_metrics(snakemake.input[row.key]), row.paper) for row in table.rows]
    summary = tables.summarize(rows, table.metrics)
    if table.layout == "matrix":
        cells = {row.label: (row.train, row.test) for row in table.rows}
        shown = tables.matrix(summary, cells, table.metrics[0])
    else:
        shown = tables.wide(summary, table.quoted)
    tables.write(shown, summary, snakemake.output, table.title)
