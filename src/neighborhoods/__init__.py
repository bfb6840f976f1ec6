"""Multilabel image annotation with metadata neighborhoods (Johnson et al., ICCV 2015)."""
