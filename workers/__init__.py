"""Queue jobs and the analysis pipeline: plain functions over plain data."""
