"""Tests of reports and their renderers."""
