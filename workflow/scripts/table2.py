from pathlib import Path

from neighborhoods import joblog, paper, report

with joblog.to_file(snakemake.log[0]):
    rows = [
        (label, report.load_metrics(snakemake.input[name]), paper.TABLE2[key])
        for name, (label, key) in snakemake.params.rows.items()
    ]
    summary = report.summarize(rows)
    summary.to_csv(snakemake.output.csv, index=False)
    Path(snakemake.output.markdown).write_text(
        report.to_markdown(summary, paper.TABLE2_QUOTED, title="Table 2")
    )
