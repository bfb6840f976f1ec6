import logging

from neighborhoods import job
from neighborhoods.ingestion import photos

with job.start(snakemake.log[0]):
    photos.write_marker(snakemake.input.photos, snakemake.output.marker)
    found, skipped = photos.scan(snakemake.input.photos, snakemake.params.max_pixels)
    if snakemake.input.metadata:
        named = photos.apply_sidecar(found, snakemake.input.metadata, skipped)
        logging.info("%s: metadata for %d of %d photos", snakemake.input.metadata, named, len(found))
    if not found:
        raise ValueError(f"annotate.images: no decodable JPEG or PNG photo in {snakemake.input.photos}")
    photos.write_photos(found, snakemake.input.photos, snakemake.output.photos)
    photos.skipped_table(skipped).to_csv(snakemake.output.skipped, index=False)
