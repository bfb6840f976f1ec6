# The real NUS-WIDE (dataset: nuswide): the release, its images and its Flickr metadata, to
# the same four files the generated dataset writes. Included from ingest.smk instead of rule
# synthesize; IMAGE_ROOT is the user's image folder, or {RESULTS}/images when downloading.
from neighborhoods.ingestion import flickr as flickr_api
from neighborhoods.ingestion import nuswide as release_api

NUSWIDE = config["nuswide"]
# getInfo (tags, owner) doubles the crawl; by default (null) it is called only for the tags of
# nuswide.tags: flickr, as no table, figure or neighbor list reads the owner.
FLICKR = {
    **config["flickr"],
    "get_info": (
        NUSWIDE["tags"] == "flickr"
        if config["flickr"]["get_info"] is None
        else config["flickr"]["get_info"]
    ),
}
NUSWIDE_ROOT = NUSWIDE["root"]
NUSWIDE_WORK = f"{RESULTS}/data/nuswide"
FLICKR_SHARDS = expand(
    f"{NUSWIDE_WORK}/flickr/shard{{shard}}of{FLICKR['jobs']}.json",
    shard=range(FLICKR["jobs"]),
)


def release_files(wildcards):
    """Every file read_release parses, so that editing any of them (a label line fixed, the
    ground truth replaced) rebuilds the release table; the concept list, read now, says which
    label files there are."""
    if not (NUSWIDE_ROOT and Path(NUSWIDE_ROOT).is_dir()):
        raise release_api.ReleaseError(
            f"nuswide.root is {NUSWIDE_ROOT!r}, which is not a folder: set it to the unpacked "
            "NUS-WIDE release (docs/nuswide.md)"
        )
    files = release_api.files(NUSWIDE_ROOT)
    concepts = release_api.read_concepts(files["concepts"])
    return {
        "imagelist": str(files["imagelist"]),
        "concepts": str(files["concepts"]),
        "tags": str(files["tags"]),
        "labels": [
            str(files["labels"] / f"Labels_{concept}.txt") for concept in concepts
        ],
    }


rule nuswide_release:
    input:
        unpack(release_files),
    output:
        table=f"{NUSWIDE_WORK}/release.parquet",
        summary=f"{NUSWIDE_WORK}/release.json",
    log:
        f"{LOGS}/ingest/release.log",
    benchmark:
        f"{LOGS}/benchmarks/nuswide_release/ingest/release.tsv"
    conda:
        "../../envs/neighborhoods.yaml"
    resources:
        mem_mb=8000,
        runtime=60,
    params:
        bad_lines=NUSWIDE["bad_lines"],
    script:
        "../scripts/nuswide_release.py"


if NUSWIDE["images"]:

    rule nuswide_check_images:
        input:
            release=f"{NUSWIDE_WORK}/release.parquet",
            manifest=IMAGE_MANIFEST,
            image_dir=ancient(IMAGE_ROOT),
        output:
            f"{NUSWIDE_WORK}/image_status.parquet",
        log:
            f"{LOGS}/ingest/check_images.log",
        benchmark:
            f"{LOGS}/benchmarks/nuswide_check_images/ingest/check_images.tsv"
        conda:
            "../../envs/neighborhoods.yaml"
        threads: 8
        resources:
            mem_mb=4000,
            runtime=240,
        params:
            placeholders=NUSWIDE["placeholder_sha256"],
            max_pixels=config["features"]["max_pixels"],
        script:
            "../scripts/nuswide_check_images.py"

elif not WITHOUT_IMAGES:

    rule nuswide_download:
        input:
            release=f"{NUSWIDE_WORK}/release.parquet",
            imagelist=f"{NUSWIDE_ROOT}/ImageList/Imagelist.txt",
            urls=f"{NUSWIDE_ROOT}/NUS-WIDE-urls.txt",
        output:
            status=f"{NUSWIDE_WORK}/image_status.parquet",
            image_dir=directory(IMAGE_ROOT),
        log:
            f"{LOGS}/ingest/download.log",
        benchmark:
            f"{LOGS}/benchmarks/nuswide_download/ingest/download.tsv"
        conda:
            "../../envs/neighborhoods.yaml"
        threads: 16
        resources:
            mem_mb=4000,
            runtime=4320,
        params:
            download=NUSWIDE["download"],
            placeholders=NUSWIDE["placeholder_sha256"],
            bad_lines=NUSWIDE["bad_lines"],
            max_pixels=config["features"]["max_pixels"],
        script:
            "../scripts/nuswide_download.py"


if not flickr_api.is_table(FLICKR["metadata"]):

    rule flickr_crawl:
        input:
            release=f"{NUSWIDE_WORK}/release.parquet",
        output:
            f"{NUSWIDE_WORK}/flickr/shard{{shard}}of{FLICKR['jobs']}.json",
        log:
            f"{LOGS}/ingest/flickr/shard{{shard}}.log",
        benchmark:
            f"{LOGS}/benchmarks/flickr_crawl/ingest/flickr/shard{{shard}}.tsv"
        wildcard_constraints:
            shard=r"\d+",
        conda:
            "../../envs/neighborhoods.yaml"
        # About 75 h per key at 3,600 calls/h (150 h when getInfo is called too, docs/nuswide.md),
        # however many jobs share the key;
        # a job stopped at its time limit loses nothing and resumes when run again.
        resources:
            mem_mb=4000,
            runtime=10080,
        params:
            flickr=FLICKR,
        script:
            "../scripts/flickr_crawl.py"


rule nuswide_metadata:
    input:
        release=f"{NUSWIDE_WORK}/release.parquet",
        source=(
            FLICKR["metadata"]
            if flickr_api.is_table(FLICKR["metadata"])
            else FLICKR_SHARDS
        ),
    output:
        f"{NUSWIDE_WORK}/metadata.parquet",
    log:
        f"{LOGS}/ingest/metadata.log",
    benchmark:
        f"{LOGS}/benchmarks/nuswide_metadata/ingest/metadata.tsv"
    conda:
        "../../envs/neighborhoods.yaml"
    resources:
        mem_mb=8000,
        runtime=60,
    params:
        flickr=FLICKR,
        bad_lines=NUSWIDE["bad_lines"],
    script:
        "../scripts/nuswide_metadata.py"


rule nuswide_ingest:
    input:
        release=f"{NUSWIDE_WORK}/release.parquet",
        summary=f"{NUSWIDE_WORK}/release.json",
        status=[] if WITHOUT_IMAGES else f"{NUSWIDE_WORK}/image_status.parquet",
        metadata=f"{NUSWIDE_WORK}/metadata.parquet",
        # Images without imported features are dropped here, and counted (no_features).
        features=f"{RESULTS}/features/{BACKBONE}.parquet" if IMPORTED else [],
    output:
        images=f"{RESULTS}/data/images.parquet",
        concepts=f"{RESULTS}/data/concepts.txt",
        stats=f"{RESULTS}/data/stats.json",
        counts=f"{RESULTS}/data/ingest_counts.json",
    log:
        f"{LOGS}/ingest/ingest.log",
    benchmark:
        f"{LOGS}/benchmarks/nuswide_ingest/ingest/ingest.tsv"
    conda:
        "../../envs/neighborhoods.yaml"
    resources:
        mem_mb=8000,
        runtime=60,
    params:
        tags=NUSWIDE["tags"],
    script:
        "../scripts/nuswide_ingest.py"
