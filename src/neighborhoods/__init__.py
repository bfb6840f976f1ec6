"""Multilabel image annotation with metadata neighborhoods (Johnson et al., ICCV 2015).

Module map, in the order the pipeline runs (a test checks that it lists every module):

ingestion/             the NUS-WIDE release, Flickr metadata, images or photos into one images table
  nuswide              read the release's text files as distributed; say what is wrong
  flickr               tags, owner, photo sets and groups from the Flickr API, crawled politely
  download             check a folder of NUS-WIDE images, or fetch them from the release's URLs
  filtering            drop images that cannot be used, the same way for every dataset
  assembly             join release, image check and metadata into images.parquet
  statistics           Table 1 of the paper for an images table
  photos               a user's photo folder, its embedded keywords and sidecar, as an images table
generated/             the generated stand-in for NUS-WIDE, so everything runs with no data
  concepts             NUS-WIDE's 81 concepts and what the generator knows about each
  dataset              the images, labels, tags, photo sets and groups it generates
parquet                the Parquet tables passed between stages, one schema each
manifest               a listing of the image folder that changes when any image does
labels                 concept lists, multi-hot label rows, the 0/1 check
splits                 seeded train / val / test splits
seeds                  every random stream, named by its purpose
backbones              CNN backbones, loaded without network access
features               one CNN feature vector per image, incrementally
imported_features      features extracted elsewhere (Parquet, BigFile, .npy, Low_Level_Features)
experiments            the grammar of experiment and neighbors names
protocol               the paper's protocol as data: table rows, sweep points, targets
vocabularies           metadata vocabularies and 0/1 image x item matrices
jaccard                the exact Jaccard top-k kernel and its per-query tie order
neighbors              a split's metadata neighbors, each subset within itself
visual                 exact L2 neighbors of CNN features
neighbor_summary       zero-similarity fill and hubs of a neighbors file
settings               the training settings, frozen
model_inputs           what training and prediction read for one split, as arrays
model                  the neighborhood model and the logistic baseline (torch modules)
train                  training and prediction with the paper's recipe
checkpoint             a trained model with everything needed to reuse it
voting                 the kNN and neighborhood voting baselines
metrics                the six annotation metrics of the paper's tables
evaluation             a scores file against the ground truth
annotation             label a photo collection with neighbors found within it
reporting/             the paper's tables and figures, and contact sheets, from the pipeline's files
  paper                the paper's published numbers
  tables               per-split metrics into mean ± std tables
  figures              Figures 3 to 8 as functions of arrays and tables
  figure_data          load what each figure shows, then draw it
  contact_sheet        a collection's labels and neighbors as one self-contained HTML page
config_checks          config checks the schema cannot state
job                    what every job does first: logging, threads, subnormals, device
"""
