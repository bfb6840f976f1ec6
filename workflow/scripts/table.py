from neighborhoods import job, report

with job.start(snakemake.log[0], threads=snakemake.threads):
    rows = [
        (label, report.load_metrics(snakemake.input[f"row{i}"]), numbers)
        for i, (label, numbers) in enumerate(snakemake.params.rows)
    ]
    summary = report.summarize(rows, snakemake.params.metrics)
    if snakemake.params.layout == "matrix":
        table = report.matrix(summary, snakemake.params.metrics[0])
    else:
        table = report.wide(summary, snakemake.params.quoted)
    report.write(table, summary, snakemake.output, snakemake.params.title)
