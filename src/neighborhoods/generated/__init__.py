"""The generated dataset: a stand-in for NUS-WIDE, so the whole pipeline runs with no data.

concepts   NUS-WIDE's 81 concepts and what the generator needs to know about each
dataset    the images, labels, tags, photo sets and groups it generates
"""
