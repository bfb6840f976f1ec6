# The canonical images table comes from the generated dataset or from the NUS-WIDE release.
from neighborhoods import manifest

# The listing (path, size, mtime) of every file in the image folder: rules that read images
# take it as input, since the folder's own timestamp does not move when a file inside does.
IMAGE_MANIFEST = f"{RESULTS}/data/image_manifest.parquet"
USER_IMAGES = DATASET == "nuswide" and bool(config["nuswide"]["images"])

if DATASET == "nuswide":

    include: "nuswide.smk"

elif CONTROL:

    include: "control.smk"

else:

    include: "synthetic.smk"


# Rerun when the folder's listing differs from the one recorded at the last run: the params
# trigger (on by default; `--rerun-triggers mtime` alone turns it off). Snakemake takes params
# again just before the job runs, so a folder made earlier in the same run is recorded as made.
# Taking the fingerprint stats every file when the DAG is built (about 1 s per 200,000 files on
# a local disk); the job does the same, so it runs where Snakemake runs (localrule), unqueued.
rule image_manifest:
    input:
        # A folder a rule makes is remade through that rule; the user's folder needs only to
        # exist, its timestamp says nothing about the files in it.
        image_dir=ancient(IMAGE_ROOT) if USER_IMAGES else IMAGE_ROOT,
    output:
        IMAGE_MANIFEST,
    log:
        f"{LOGS}/ingest/image_manifest.log",
    benchmark:
        f"{LOGS}/benchmarks/image_manifest/ingest/image_manifest.tsv"
    priority: PRIORITY_FEATURES
    localrule: True
    conda:
        "../../envs/neighborhoods.yaml"
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        listing=lambda wildcards: manifest.fingerprint(IMAGE_ROOT),
    script:
        "../scripts/image_manifest.py"
