"""Reporting: the paper's tables and figures from the pipeline's files.

paper        the paper's published numbers, printed beside ours
tables       per-split metrics into mean ± std tables (Markdown, CSV, LaTeX)
figures      Figures 3 to 8 as plain functions of arrays and tables
figure_data  load what each figure shows from the pipeline's files, then draw it
"""
