from neighborhoods import job
from neighborhoods.reporting import controls_page

with job.start(snakemake.log[0], threads=snakemake.threads):
    inputs = snakemake.input
    runs = [
        controls_page.ControlRun(*fields)
        for fields in zip(
            snakemake.params.runs,
            inputs.tables,
            inputs.gaps,
            inputs.figures,
            snakemake.output.figures,
            inputs.stats,
            strict=True,
        )
    ]
    controls_page.write(snakemake.output.page, runs)
