"""kaoping (考评): measure and appraise the performance of a prosecution service."""

__version__ = "0.1.0"
