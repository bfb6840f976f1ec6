# The canonical images table comes from the generated dataset or from the NUS-WIDE release.
if DATASET == "nuswide":

    include: "nuswide.smk"

else:

    include: "synthetic.smk"
