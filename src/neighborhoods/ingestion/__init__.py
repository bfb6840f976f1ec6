"""Ingestion: the NUS-WIDE release, the Flickr metadata and the images, into one images table.

nuswide    read the release's text files as distributed, and say what is wrong with them
flickr     tags, owner, photo sets and groups from the Flickr API, crawled politely
mcauley    McAuley and Leskovec's Flickr metadata of NUS-WIDE (the photo XML), streamed
sources    which kinds of metadata the configured inputs hold, known when the workflow loads
download   check a folder of NUS-WIDE images, or fetch them from the release's URLs
filtering  drop images that cannot be used, the same way for every dataset
assembly   join release, image check and metadata into images.parquet (+ counts, stats)
statistics Table 1 of the paper for an images table
"""
