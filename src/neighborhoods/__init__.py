"""Multilabel image annotation with metadata neighborhoods (Johnson et al., ICCV 2015).

The module map, one line per module, is docs/modules.md.
"""
