import json

from neighborhoods import job, parquet
from neighborhoods.ingestion import assembly, flickr

with job.start(snakemake.log[0], threads=snakemake.threads):
    options = snakemake.params.flickr
    jobs, index = options["jobs"], int(snakemake.wildcards.shard)
    release = assembly.labelled(parquet.read(snakemake.input.release))
    photos = flickr.shard(release.column("image_id").to_pylist(), index, jobs)
    reuse = flickr.Cache(options["metadata"]).done() if options["metadata"] else set()

    def make_client():
        return flickr.Client(
            options["api_url"],
            flickr.api_key(),
            per_hour=options["rate_per_hour"] / jobs,
            timeout=options["timeout"],
            retries=options["retries"],
            backoff=options["backoff"],
            max_backoff=options["max_backoff"],
        )

    cache = flickr.Cache(options["cache"], f"shard{index}of{jobs}")
    summary = flickr.crawl(photos, flickr.methods(options["get_info"]), cache, make_client, known=reuse)
    with open(snakemake.output[0], "w") as stream:
        json.dump(summary, stream, indent=2)
